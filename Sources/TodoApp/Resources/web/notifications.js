import { accessToken, api } from "./api.js";
import { $, el, notify, refreshPeople } from "./dom.js";
import { loadList } from "./list.js";

// Changes by others to what this page shows: the list is read again, once per burst, unless an
// editor or dialog is open (then when it closes). The person's own changes (a next occurrence
// their completion made included: it names them as its actor) are already on the page.
let reloadTimer = null;
function changed(change) {
  if (!$("#tasks") || change.actor_id === $("#tasks").dataset.me) return;
  // someone joined, left or was removed: their name and the project's people, for badges and the editor
  if (change.type.startsWith("member.") && change.project_id) refreshPeople(change.project_id).catch(() => {});
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(function reload() {
    if (document.querySelector("dialog[open]")) return (reloadTimer = setTimeout(reload, 1000));
    loadList().catch(() => {});
  }, 200);
  if (change.type.startsWith("member.")) {
    document.dispatchEvent(new CustomEvent("todo:members-changed", { detail: change }));
  }
}

// The bell: the unread count, live over the notification stream (fetch, so the token goes in a header).
const bell = $("#bell");
const unread = $("#unread");

function setUnread(count) {
  unread.textContent = String(count);
  bell.setAttribute("aria-label", `Notifications, ${count} unread`);
}

async function listen() {
  let lastId = null;
  for (;;) {
    try {
      const headers = { authorization: `Bearer ${await accessToken()}`, accept: "text/event-stream" };
      if (lastId) headers["Last-Event-ID"] = lastId;
      const r = await fetch("/api/v1/notifications/stream", { headers });
      if (!r.ok || !r.body) throw new Error(`stream ${r.status}`);
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = Object.fromEntries(block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()]));
          if (fields.id) lastId = fields.id;
          if (fields.event === "unread") setUnread(JSON.parse(fields.data).unread_count);
          if (fields.event === "task") changed(JSON.parse(fields.data));
          if (fields.event === "notification" && "Notification" in window && Notification.permission === "granted") {
            const n = JSON.parse(fields.data);
            new Notification(n.title ?? "Reminder", { body: n.body ?? "" });
          }
        }
      }
    } catch (e) {
      // reconnect below
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

// The bell opens the notification list; the browser's own notifications are asked for there.
async function openInbox() {
  const page = await api("GET", "/api/v1/notifications?limit=50");
  const items = page.items.map((n) => el("li", { class: n.read ? "read" : "unread" },
    el("strong", {}, n.title), " ", el("span", {}, n.body ?? ""), " ", el("time", { datetime: n.created_at }, n.created_at.replace("T", " ").slice(0, 16))));
  $("#inbox-list").replaceChildren(...(items.length ? items : [el("li", {}, "Nothing yet.")]));
  $("#inbox").showModal();
}

if (bell) {
  bell.addEventListener("click", () => openInbox().catch(() => {}));
  $("#read-all").addEventListener("click", async () => {
    const r = await api("POST", "/api/v1/notifications/read-all");
    setUnread(0);
    for (const li of document.querySelectorAll("#inbox-list li.unread")) li.className = "read";
    notify(`Marked ${r?.marked ?? "all"} as read.`);
  });
  $("#allow-browser").addEventListener("click", () => {
    if ("Notification" in window) Notification.requestPermission();
  });
  listen();
}
