// Todo's page script: no framework, no build step. Talks to the API with short-lived access
// tokens traded for the HttpOnly session cookie (POST /session/token with the CSRF token); builds
// every element with DOM calls and text nodes, never from HTML strings.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const $ = (selector) => document.querySelector(selector);

// The sign-up form takes the browser's time zone.
for (const input of document.querySelectorAll("[data-browser-zone]")) {
  input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

let token = null;
let tokenExpiry = 0;

async function accessToken() {
  if (token && Date.now() < tokenExpiry - 30_000) return token;
  const r = await fetch("/session/token", { method: "POST", headers: { "X-CSRF-Token": csrf } });
  if (r.status === 401 || r.status === 403) {
    location.href = "/";
    throw new Error("signed out");
  }
  const body = await r.json();
  token = body.access_token;
  tokenExpiry = Date.now() + body.expires_in * 1000;
  return token;
}

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${await accessToken()}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(data?.detail ?? `HTTP ${r.status}`), { status: r.status, problem: data });
  return data;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/// The same markup as the server's WebPages.taskItem.
function taskItem(task) {
  const meta = el("span", { class: "meta" });
  const add = (cls, text) => {
    if (meta.childNodes.length) meta.append(" ");
    meta.append(el("span", { class: cls }, text));
  };
  if (task.due?.date) add("due", task.due.date);
  if (task.due?.date_time) add("due", task.due.date_time.replace("T", " "));
  if (task.recurrence?.description) add("repeat", task.recurrence.description);
  if (task.priority && task.priority !== "none") add(`priority p-${task.priority}`, task.priority);
  for (const tag of task.tags ?? []) add("tag", `#${tag}`);
  const box = el("input", { type: "checkbox", id: `done-${task.id}`, "aria-label": `Complete: ${task.title}` });
  return el("li", { class: "task", "data-id": task.id }, box, el("span", { class: "title" }, task.title), " ", meta);
}

// Quick add: what the parser understood is highlighted under the text as you type.
const quick = $("#quick");
const mirror = $("#quick-mirror");
const understood = $("#quick-understood");
let parseTimer = null;
let parseSeq = 0;

function showTokens(text, tokens) {
  mirror.replaceChildren();
  let at = 0;
  for (const t of tokens) {
    mirror.append(text.slice(at, t.start), el("mark", { class: `k-${t.kind}` }, text.slice(t.start, t.end)));
    at = t.end;
  }
  mirror.append(text.slice(at));
  understood.textContent = tokens.length ? tokens.map((t) => `${t.kind}: ${t.text}`).join(" · ") : "";
}

async function parseNow() {
  const text = quick.value;
  const seq = ++parseSeq;
  if (!text.trim()) return showTokens(text, []);
  try {
    const parsed = await api("POST", "/api/v1/tasks/parse", { text });
    if (seq === parseSeq) showTokens(text, parsed.tokens);
  } catch (e) {
    if (seq === parseSeq) showTokens(text, []);
  }
}

if (quick) {
  quick.addEventListener("input", () => {
    showTokens(quick.value, []);
    clearTimeout(parseTimer);
    parseTimer = setTimeout(parseNow, 120);
  });
  $("#quick-add").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = quick.value;
    if (!text.trim()) return;
    try {
      const task = await api("POST", "/api/v1/tasks/quick", { text });
      $("#tasks").prepend(taskItem(task));
      quick.value = "";
      showTokens("", []);
      understood.textContent = `Added: ${task.title}`;
    } catch (e) {
      understood.textContent = e.problem?.errors?.map((x) => x.reason).join("; ") || e.message;
      understood.setAttribute("role", "alert");
    }
  });
}

// Completing a task: checked → done (kept in place, struck through, until the next load).
$("#tasks")?.addEventListener("change", async (event) => {
  const box = event.target;
  const item = box.closest("li.task");
  if (!item) return;
  try {
    await api("POST", `/api/v1/tasks/${item.dataset.id}/${box.checked ? "complete" : "reopen"}`);
    item.classList.toggle("done", box.checked);
  } catch (e) {
    box.checked = !box.checked;
  }
});

// Keyboard: n (or /) goes to the add box.
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
  if ((event.key === "n" || event.key === "/") && quick) {
    event.preventDefault();
    quick.focus();
  }
});

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

if (bell) {
  bell.addEventListener("click", () => {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  });
  listen();
}
