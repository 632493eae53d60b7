#!/usr/bin/env python3
"""Sharing in two real browsers (headless Chromium, Selenium) against `todo serve` with a real
SMTP server (BASE_URL, MAILDIR): Alice shares a project from the share dialog; Bob follows the
link of his invitation email, creates his account and joins; a task Bob adds appears on Alice's
open page without a reload, and Alice's assignment shows on Bob's; Carol, a viewer, finds no
controls and the API refuses her; the activity lists who did what.

  scripts/e2e-sharing.sh      (starts the SMTP server and the server, and runs this)
"""
import email
import glob
import json
import os
import re
import time
import urllib.error
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from selenium_axe_python import Axe

import e2e_web
from e2e_web import BASE, api, fail, ok

MAILDIR = os.environ["MAILDIR"]
browser = e2e_web.chromium


def sign_up(driver, name, address):
    driver.find_element(By.ID, "signup-name").send_keys(name)
    email_box = driver.find_element(By.ID, "signup-email")
    email_box.clear()
    email_box.send_keys(address)
    driver.find_element(By.ID, "signup-password").send_keys("sharing-password-1")
    driver.find_element(By.CSS_SELECTOR, "form[action='/session/signup'] button").click()


def titles(driver):
    return driver.execute_script("return [...document.querySelectorAll('#tasks li.task .title')].map((e) => e.textContent)")


def link_for(address, timeout=15):
    """The invitation link in the email to `address` (the text part, base64)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for path in sorted(glob.glob(os.path.join(MAILDIR, "*.eml"))):
            message = email.message_from_bytes(open(path, "rb").read())
            if message["X-Envelope-To"] != address:
                continue
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    found = re.search(r"Join: (\S+)", part.get_payload(decode=True).decode())
                    if found:
                        return found.group(1)
        time.sleep(0.2)
    fail(f"no invitation email reached {address}")


def token_of(address):
    return api("POST", "/api/v1/auth/login", {"email": address, "password": "sharing-password-1"})["access_token"]


alice_mail, bob_mail, carol_mail = (f"{n}-{uuid.uuid4().hex[:6]}@example.com" for n in ["alice", "bob", "carol"])
alice, bob = browser(), browser()
wait_a, wait_b = WebDriverWait(alice, 10), WebDriverWait(bob, 10)
try:
    alice.get(BASE + "/")
    sign_up(alice, "Alice Archer", alice_mail)
    wait_a.until(lambda d: d.find_elements(By.ID, "quick"))
    a_token = token_of(alice_mail)
    project = api("POST", "/api/v1/projects", {"name": "Household"}, a_token)["id"]
    api("POST", "/api/v1/tasks", {"title": "Milk", "project_id": project}, a_token)
    alice.get(f"{BASE}/?project={project}&sort=manual")
    wait_a.until(lambda d: titles(d) == ["Milk"])

    # Alice shares from the dialog: Bob as editor, Carol as viewer.
    alice.find_element(By.ID, "share-project").click()
    wait_a.until(lambda d: d.find_element(By.ID, "share").get_attribute("open") and d.find_elements(By.CSS_SELECTOR, "#member-list li"))
    for address, role in [(bob_mail, "editor"), (carol_mail, "viewer")]:
        alice.find_element(By.ID, "invite-email").send_keys(address)
        Select(alice.find_element(By.ID, "invite-role")).select_by_value(role)
        alice.find_element(By.CSS_SELECTOR, "#invite-form button").click()
        wait_a.until(lambda d: address in d.find_element(By.ID, "invitation-list").text)
    axe = Axe(alice)
    axe.inject()
    violations = axe.run(options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})["violations"]
    if violations:
        fail("axe finds problems in the share dialog: " + "; ".join(f"{v['id']}: {v['help']}" for v in violations))
    alice.find_element(By.CSS_SELECTOR, "#share form[method=dialog] button").click()
    ok("the share dialog invites by email with a role and lists the pending invitations (axe finds nothing)")

    # Bob follows his email's link: no account yet, so he signs up there and comes back to join.
    link = link_for(bob_mail)
    if not link.startswith(BASE + "/invite/todo_inv_"):
        fail(f"the email's link is {link}")
    bob.get(link)
    wait_b.until(lambda d: "Household" in d.find_element(By.CSS_SELECTOR, "main").text)
    sign_up(bob, "Bob Baker", bob_mail)
    wait_b.until(lambda d: "invited you to" in d.find_element(By.CSS_SELECTOR, "main").text)
    bob.find_element(By.CSS_SELECTOR, "button[value=accept]").click()
    wait_b.until(lambda d: d.execute_script("return document.getElementById('view-title')?.textContent") == "Household" and titles(d) == ["Milk"])
    bob.get(link)
    wait_b.until(lambda d: "accepted" in d.find_element(By.CSS_SELECTOR, "main").text)
    ok("Bob follows the invitation email's link, creates his account, joins, and sees the project; the link works once")

    # Live: Bob adds a task; Alice's open page shows it without a reload.
    bob.get(f"{BASE}/?project={project}&sort=manual")
    wait_b.until(lambda d: titles(d) == ["Milk"])
    alice.execute_script("window.__notReloaded = true")
    time.sleep(1)  # Alice's stream is open
    bob.find_element(By.ID, "quick").send_keys("Eggs\n")
    started = time.time()
    wait_a.until(lambda d: "Eggs" in titles(d))
    if not alice.execute_script("return window.__notReloaded === true"):
        fail("Alice's page was reloaded")
    ok(f"a task Bob adds appears on Alice's open page without a reload ({time.time() - started:.2f} s)")

    # Alice assigns Milk to Bob in the editor; Bob's page shows his initials, and Assigned to me has it.
    milk = [li for li in alice.find_elements(By.CSS_SELECTOR, "#tasks li.task") if li.find_element(By.CSS_SELECTOR, ".title").text == "Milk"][0]
    milk.find_element(By.CSS_SELECTOR, ".title").click()
    wait_a.until(lambda d: d.find_element(By.ID, "editor").get_attribute("open") and d.find_element(By.ID, "e-assignee").is_displayed())
    Select(alice.find_element(By.ID, "e-assignee")).select_by_visible_text("Bob Baker")
    alice.find_element(By.ID, "e-save").click()
    wait_b.until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('#tasks li.task')].some((li) => li.querySelector('.title').textContent === 'Milk' && li.querySelector('.assignee')?.textContent === 'BB')"))
    bob.find_element(By.CSS_SELECTOR, "#sidebar a[href='/?assignee=me']").click()
    wait_b.until(lambda d: d.execute_script("return document.getElementById('view-title')?.textContent") == "Assigned to me" and titles(d) == ["Milk"])
    ok("Alice assigns Milk to Bob in the editor; Bob's page shows BB on it without a reload, and Assigned to me lists it")

    # Carol, a viewer: joins through the API with her link, then finds no controls in the browser.
    carol_link = link_for(carol_mail)
    api("POST", "/api/v1/auth/signup", {"email": carol_mail, "password": "sharing-password-1", "display_name": "Carol Cole"})
    c_token = token_of(carol_mail)
    api("POST", "/api/v1/invitations/accept", {"token": carol_link.rsplit("/", 1)[1]}, c_token)
    bob.find_element(By.CSS_SELECTOR, "form[action='/session/end'] button").click()
    wait_b.until(lambda d: d.find_elements(By.ID, "signin-email"))
    bob.find_element(By.ID, "signin-email").send_keys(carol_mail)
    bob.find_element(By.ID, "signin-password").send_keys("sharing-password-1")
    bob.find_element(By.CSS_SELECTOR, "form[action='/session'] button").click()
    wait_b.until(lambda d: d.find_elements(By.ID, "tasks"))
    bob.get(f"{BASE}/?project={project}&sort=manual")
    wait_b.until(lambda d: sorted(titles(d)) == ["Eggs", "Milk"])
    state = bob.execute_script("""return {
        quick: document.getElementById('quick-add').hidden, section: !!document.getElementById('new-section'),
        rename: !!document.getElementById('rename-project'),
        boxes: [...document.querySelectorAll('#tasks li.task input[type=checkbox]')].every((b) => b.disabled),
        drag: [...document.querySelectorAll('#tasks li.task')].some((li) => li.draggable) }""")
    if state != {"quick": True, "section": False, "rename": False, "boxes": True, "drag": False}:
        fail(f"a viewer's page has controls: {state}")
    bob.find_element(By.CSS_SELECTOR, "#tasks li.task .title").click()
    wait_b.until(lambda d: d.find_element(By.ID, "editor").get_attribute("open"))
    if bob.find_element(By.ID, "e-save").is_displayed() or bob.find_element(By.ID, "e-title").is_enabled():
        fail("a viewer's editor can save")
    milk_id = [t for t in api("GET", f"/api/v1/tasks?project={project}", token=c_token)["items"] if t["title"] == "Milk"][0]["id"]
    try:
        api("PATCH", f"/api/v1/tasks/{milk_id}", {"title": "Oat milk"}, c_token)
        fail("the API let a viewer change a task")
    except urllib.error.HTTPError as e:
        if e.code != 403 or json.loads(e.read())["code"] != "read_only":
            fail(f"a viewer's change got {e.code}")
    ok("Carol, a viewer: no quick add, section form, rename, checkboxes or dragging; the editor only shows; the API answers 403 read_only")

    # The activity: who did what.
    alice.find_element(By.ID, "project-activity").click()
    wait_a.until(lambda d: "Bob Baker added “Eggs”" in d.find_element(By.ID, "activity-list").text)
    text = alice.find_element(By.ID, "activity-list").text
    for line in ["Alice Archer assigned “Milk”", "Bob Baker joined", "Carol Cole joined"]:
        if line not in text:
            fail(f"the activity does not say {line!r}:\n{text}")
    ok("the activity panel says who did what: joined, added, assigned")
finally:
    alice.quit()
    bob.quit()

print(f"{e2e_web.passed} passed, 0 failed")
