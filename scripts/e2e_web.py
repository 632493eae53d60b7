"""What the browser end-to-end scripts share (scripts/e2e-browser.py, scripts/e2e-sharing.py): the
server's address, the TAP-like report, a JSON call to the API, and a headless Chromium."""
import json
import os
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

BASE = os.environ["BASE_URL"]
passed = 0


def ok(message):
    global passed
    passed += 1
    print(f"ok - {message}")


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def api(method, path, body=None, token=None):
    request = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read() or b"null")


def chromium(console=False):
    """Headless Chromium (Debian's, through chromedriver) at 1280×900; `console` keeps the console log."""
    options = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US"]:
        options.add_argument(flag)
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if console:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
