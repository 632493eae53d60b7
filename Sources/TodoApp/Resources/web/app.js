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

// The list: filters, search as you type, sort; more pages load as the end scrolls into view.
const list = $("#tasks");
const filters = $("#filters");
let listSeq = 0;

function listQuery() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(filters)) if (value) params.set(name, value);
  params.set("limit", "50");
  return params;
}

function moreItem(cursor) {
  return el("li", { id: "more", class: "more", "data-cursor": cursor }, "Loading more…");
}

async function loadList() {
  const seq = ++listSeq;
  const page = await api("GET", `/api/v1/tasks?${listQuery()}`);
  if (seq !== listSeq) return;
  list.replaceChildren(...page.items.map(taskItem), ...(page.next_cursor ? [moreItem(page.next_cursor)] : []));
  watchMore();
}

async function loadMore(sentinel) {
  const seq = listSeq;
  const params = listQuery();
  params.set("cursor", sentinel.dataset.cursor);
  sentinel.removeAttribute("data-cursor");
  const page = await api("GET", `/api/v1/tasks?${params}`);
  if (seq !== listSeq || !sentinel.isConnected) return;
  sentinel.replaceWith(...page.items.map(taskItem), ...(page.next_cursor ? [moreItem(page.next_cursor)] : []));
  watchMore();
}

const moreObserver = "IntersectionObserver" in window
  ? new IntersectionObserver((entries) => {
      for (const entry of entries) if (entry.isIntersecting && entry.target.dataset.cursor) loadMore(entry.target);
    }, { rootMargin: "400px" })
  : null;

function watchMore() {
  const sentinel = $("#more");
  if (sentinel && moreObserver) moreObserver.observe(sentinel);
}

if (filters) {
  let filterTimer = null;
  const schedule = () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => loadList().catch(() => {}), 150);
  };
  filters.addEventListener("input", schedule);
  // selects and the checkbox (a search box's change on blur would reload the list needlessly)
  filters.addEventListener("change", (event) => {
    if (event.target.type !== "search") schedule();
  });
  filters.addEventListener("submit", (event) => event.preventDefault());
  watchMore();
}

// Completing a task: checked → done (struck through in place). A recurring task's next
// occurrence is created by the recurring-task-service a moment later: it appears without a reload.
list?.addEventListener("change", async (event) => {
  const box = event.target;
  const item = box.closest("li.task");
  if (!item) return;
  try {
    const task = await api("POST", `/api/v1/tasks/${item.dataset.id}/${box.checked ? "complete" : "reopen"}`);
    item.classList.toggle("done", box.checked);
    if (box.checked && task.recurrence) showNextOccurrence(task, item);
  } catch (e) {
    box.checked = !box.checked;
  }
});

async function showNextOccurrence(task, item) {
  for (let attempt = 0; attempt < 20; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const page = await api("GET", `/api/v1/tasks?status=open&q=${encodeURIComponent(task.title)}&limit=50`).catch(() => null);
    const next = page?.items.find((t) => t.series_id === task.series_id && t.id !== task.id && !document.querySelector(`li[data-id="${t.id}"]`));
    if (next) {
      if (item.isConnected) item.after(taskItem(next));
      else loadList().catch(() => {});
      return;
    }
  }
}

// Keyboard: n new task, / search, j/k move, x complete, ? help.
function focusTask(step) {
  const items = [...document.querySelectorAll("#tasks li.task")];
  if (!items.length) return;
  const current = items.indexOf(document.activeElement.closest("li.task"));
  const next = items[Math.min(items.length - 1, Math.max(0, current + step))] ?? items[0];
  next.querySelector("input[type=checkbox]").focus();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target.closest("input:not([type=checkbox]), textarea, select");
  if (typing) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  const keys = { n: () => quick?.focus(), "/": () => $("#search")?.focus(), j: () => focusTask(1), k: () => focusTask(-1), "?": () => $("#keys")?.showModal() };
  if (event.key === "x" && event.target.matches("#tasks input[type=checkbox]")) {
    event.preventDefault();
    event.target.click();
  } else if (keys[event.key]) {
    event.preventDefault();
    keys[event.key]();
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
