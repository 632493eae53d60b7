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

async function api(method, path, body, extraHeaders = {}) {
  const headers = { authorization: `Bearer ${await accessToken()}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  Object.assign(headers, extraHeaders);
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(data?.detail ?? `HTTP ${r.status}`), { status: r.status, problem: data });
  return data;
}

/// A refused request as a sentence: each field's reason, else the problem's detail.
function problemText(e) {
  return e.problem?.errors?.map((x) => `${x.field.replaceAll("_", " ")} ${x.reason}`).join("; ") || e.message;
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
  if (task.completed) box.checked = true;
  const item = el("li", { class: task.completed ? "task done" : "task", "data-id": task.id }, box,
    el("button", { type: "button", class: "title", "aria-haspopup": "dialog" }, task.title), " ", meta);
  return item;
}

// A safe subset of Markdown, built as DOM nodes: paragraphs, "- " lists, **bold**, *italic*,
// `code`, and [links](https://…) (http, https and mailto only).
function markdown(text) {
  const fragment = document.createDocumentFragment();
  const inline = (line, parent) => {
    const pattern = /(\*\*[^*]+\*\*|\*[^*]+\*|`[^`]+`|\[[^\]]+\]\([^)\s]+\))/g;
    let at = 0;
    for (const m of line.matchAll(pattern)) {
      parent.append(line.slice(at, m.index));
      const t = m[0];
      if (t.startsWith("**")) parent.append(el("strong", {}, t.slice(2, -2)));
      else if (t.startsWith("`")) parent.append(el("code", {}, t.slice(1, -1)));
      else if (t.startsWith("*")) parent.append(el("em", {}, t.slice(1, -1)));
      else {
        const [, label, href] = t.match(/^\[([^\]]+)\]\(([^)\s]+)\)$/);
        if (/^(https?:|mailto:)/i.test(href)) parent.append(el("a", { href, rel: "noopener noreferrer", target: "_blank" }, label));
        else parent.append(t);
      }
      at = m.index + t.length;
    }
    parent.append(line.slice(at));
  };
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split("\n").filter((l) => l.trim());
    if (!lines.length) continue;
    if (lines.every((l) => /^\s*[-*] /.test(l))) {
      const ul = el("ul");
      for (const l of lines) inline(l.replace(/^\s*[-*] /, ""), ul.appendChild(el("li")));
      fragment.append(ul);
    } else {
      const p = el("p");
      lines.forEach((l, i) => { if (i) p.append(el("br")); inline(l, p); });
      fragment.append(p);
    }
  }
  return fragment;
}

// The toast: one message at a time, with an optional action (Undo).
const toast = $("#toast");
let toastTimer = null;
function notify(message, action, run) {
  if (!toast) return;
  toast.replaceChildren(message);
  if (action) {
    const button = el("button", { type: "button" }, action);
    button.addEventListener("click", () => { toast.replaceChildren(); run(); });
    toast.append(" ", button);
  }
  toast.classList.add("shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.classList.remove("shown"); toast.replaceChildren(); }, 8000);
}

// The editor: every field of a task; recurrence previewed (description and the next five dates).
const editor = $("#editor");
const field = (id) => document.getElementById(id);
let editing = null;
let userZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

async function openEditor(id) {
  const task = await api("GET", `/api/v1/tasks/${id}`);
  editing = task;
  field("e-title").value = task.title;
  field("e-description").value = task.description ?? "";
  field("e-priority").value = task.priority;
  field("e-tags").value = (task.tags ?? []).join(", ");
  field("e-due-date").value = task.due?.date ?? task.due?.date_time?.slice(0, 10) ?? "";
  field("e-due-time").value = task.due?.date_time?.slice(11, 16) ?? "";
  field("e-due-zone").value = task.due?.time_zone ?? userZone;
  const rule = task.recurrence?.rule ?? "";
  const preset = [...field("e-repeat").options].find((o) => o.value === rule && o.value !== "custom");
  field("e-repeat").value = rule ? (preset ? rule : "custom") : "";
  field("e-rule").value = rule;
  field("e-anchor").checked = task.recurrence?.anchor === "completion";
  field("e-reminders").replaceChildren(...(task.reminders ?? []).filter((r) => r.state !== "cancelled").map(reminderRow));
  field("e-error").textContent = "";
  field("e-skip").hidden = !task.recurrence;
  renderDescription();
  previewRule();
  api("GET", "/api/v1/tags").then((tags) => field("tag-list").replaceChildren(...tags.items.map((t) => el("option", { value: t.name })))).catch(() => {});
  editor.showModal();
  field("e-title").focus();
}

// One reminder of the editor: before the due (a choice of durations) or at a time; channels.
const beforeChoices = [["PT0S", "at the due time"], ["PT5M", "5 minutes before"], ["PT15M", "15 minutes before"], ["PT30M", "30 minutes before"],
  ["PT1H", "1 hour before"], ["PT2H", "2 hours before"], ["P1D", "1 day before"], ["P2D", "2 days before"], ["P7D", "1 week before"]];
let reminderCount = 0;

function localInput(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function reminderRow(reminder) {
  const n = ++reminderCount;
  const row = el("li", { class: "reminder", "data-kind": reminder.before !== undefined ? "before" : "at" });
  if (reminder.before !== undefined) {
    const select = el("select", { "aria-label": `Reminder ${n}: when`, class: "r-when" });
    const choices = beforeChoices.some(([v]) => v === reminder.before) ? beforeChoices : [...beforeChoices, [reminder.before, `${reminder.before} before`]];
    for (const [value, label] of choices) select.append(el("option", { value }, label));
    select.value = reminder.before;
    row.append(select);
  } else {
    const input = el("input", { type: "datetime-local", "aria-label": `Reminder ${n}: at`, class: "r-when", required: "" });
    input.value = reminder.at ? localInput(reminder.at) : "";
    row.append(input);
  }
  const channels = reminder.channels ?? ["email", "in_app"];
  for (const [value, label] of [["email", "email"], ["in_app", "in the app"]]) {
    const box = el("input", { type: "checkbox", class: "r-channel", value });
    box.checked = channels.includes(value);
    row.append(el("label", { class: "check" }, box, ` ${label}`));
  }
  const remove = el("button", { type: "button", "aria-label": `Remove reminder ${n}` }, "Remove");
  remove.addEventListener("click", () => row.remove());
  row.append(remove);
  return row;
}

function editedReminders() {
  return [...document.querySelectorAll("#e-reminders li.reminder")].map((row) => {
    const when = row.querySelector(".r-when").value;
    const channels = [...row.querySelectorAll(".r-channel")].filter((b) => b.checked).map((b) => b.value);
    return row.dataset.kind === "before" ? { before: when, channels } : { at: when ? new Date(when).toISOString() : "", channels };
  });
}

function renderDescription() {
  field("e-description-preview").replaceChildren(markdown(field("e-description").value));
}

let previewSeq = 0;
async function previewRule() {
  const rule = field("e-repeat").value === "custom" ? field("e-rule").value.trim() : field("e-repeat").value;
  field("e-rule").value = rule;
  const out = field("e-preview");
  const seq = ++previewSeq;
  if (!rule) return (out.textContent = "");
  const date = field("e-due-date").value;
  const params = new URLSearchParams({ rule, count: "5", time_zone: field("e-due-zone").value || userZone });
  if (date) params.set("start", field("e-due-time").value ? `${date}T${field("e-due-time").value}` : date);
  try {
    const p = await api("GET", `/api/v1/recurrence/preview?${params}`);
    if (seq !== previewSeq) return;
    const dates = p.instances.map((i) => String(i).replace("T", " ").slice(0, field("e-due-time").value ? 16 : 10));
    out.textContent = `${p.description}: ${dates.join(", ")}`;
  } catch (e) {
    if (seq === previewSeq) out.textContent = problemText(e);
  }
}

function editedFields() {
  const date = field("e-due-date").value;
  const time = field("e-due-time").value;
  const rule = field("e-rule").value.trim();
  return {
    title: field("e-title").value,
    description: field("e-description").value,
    priority: field("e-priority").value,
    tags: field("e-tags").value.split(",").map((t) => t.trim().replace(/^#/, "")).filter(Boolean),
    due: date ? (time ? { date_time: `${date}T${time}`, time_zone: field("e-due-zone").value || userZone } : { date }) : null,
    recurrence: rule ? { rule, anchor: field("e-anchor").checked ? "completion" : "schedule" } : null,
    reminders: editedReminders(),
  };
}

if (editor) {
  $("#tasks").addEventListener("click", (event) => {
    const title = event.target.closest("button.title");
    if (title) openEditor(title.closest("li.task").dataset.id);
  });
  field("e-description").addEventListener("input", renderDescription);
  field("e-add-before").addEventListener("click", () => {
    field("e-reminders").append(reminderRow({ before: "PT15M" }));
    field("e-reminders").lastElementChild.querySelector(".r-when").focus();
  });
  field("e-add-at").addEventListener("click", () => {
    field("e-reminders").append(reminderRow({ at: null }));
    field("e-reminders").lastElementChild.querySelector(".r-when").focus();
  });
  for (const id of ["e-repeat", "e-rule", "e-due-date", "e-due-time", "e-due-zone"]) field(id).addEventListener("change", previewRule);
  field("e-cancel").addEventListener("click", () => editor.close());
  $("#edit-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = await api("PATCH", `/api/v1/tasks/${editing.id}`, editedFields(),
        { "content-type": "application/merge-patch+json", "if-match": `"${editing.version}"` });
      document.querySelector(`li[data-id="${editing.id}"]`)?.replaceWith(taskItem(body));
      editor.close();
      notify(`Saved “${body.title}”.`);
    } catch (e) {
      field("e-error").textContent = e.status === 412 ? "This task was changed elsewhere; close and open it again." : problemText(e);
    }
  });
  field("e-skip").addEventListener("click", async () => {
    const task = editing;
    try {
      await api("POST", `/api/v1/tasks/${task.id}/skip`);
    } catch (e) {
      field("e-error").textContent = e.message;
      return;
    }
    editor.close();
    const item = document.querySelector(`li[data-id="${task.id}"]`);
    item?.classList.add("done");
    notify(`Skipped this “${task.title}”.`, "Undo", async () => {
      await api("POST", `/api/v1/tasks/${task.id}/reopen`);
      item?.classList.remove("done");
    });
    if (item) showNextOccurrence(task, item);
  });
  field("e-delete").addEventListener("click", async () => {
    const task = editing;
    try {
      await api("DELETE", `/api/v1/tasks/${task.id}`);
    } catch (e) {
      field("e-error").textContent = e.message;
      return;
    }
    editor.close();
    document.querySelector(`li[data-id="${task.id}"]`)?.remove();
    notify(`Deleted “${task.title}”.`, "Undo", async () => {
      const copy = {
        title: task.title, description: task.description, priority: task.priority, tags: task.tags,
        due: task.due ? (task.due.date ? { date: task.due.date } : { date_time: task.due.date_time.slice(0, 16), time_zone: task.due.time_zone }) : null,
        recurrence: task.recurrence ? { rule: task.recurrence.rule, anchor: task.recurrence.anchor } : null,
        reminders: (task.reminders ?? []).filter((r) => r.state === "pending").map((r) => (r.before ? { before: r.before, channels: r.channels } : { at: r.at, channels: r.channels })),
      };
      const restored = await api("POST", "/api/v1/tasks", copy);
      $("#tasks").prepend(taskItem(restored));
      notify(`Restored “${restored.title}”.`);
    });
  });
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
    if (box.checked) {
      notify(`Completed “${task.title}”.`, "Undo", async () => {
        await api("POST", `/api/v1/tasks/${task.id}/reopen`);
        box.checked = false;
        item.classList.remove("done");
      });
    }
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
  if (event.key === "e" && event.target.closest("#tasks li.task")) {
    event.preventDefault();
    openEditor(event.target.closest("li.task").dataset.id);
  } else if (event.key === "x" && event.target.matches("#tasks input[type=checkbox]")) {
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

// Settings: name, email, zone, reminder channels; personal API tokens (shown once, revocable).
const settings = $("#settings");

let settingsLoaded = null;

async function openSettings() {
  const me = await api("GET", "/api/v1/me");
  settingsLoaded = me;
  field("s-name").value = me.display_name;
  field("s-email").value = me.email;
  field("s-zone").value = me.time_zone;
  field("s-email-channel").checked = me.reminder_channels.includes("email");
  field("s-inapp-channel").checked = me.reminder_channels.includes("in_app");
  field("s-error").textContent = "";
  field("t-new").textContent = "";
  await listTokens();
  settings.showModal();
}

async function listTokens() {
  const tokens = await api("GET", "/api/v1/tokens");
  field("token-list").replaceChildren(...tokens.items.map((t) => {
    const revoke = el("button", { type: "button", "aria-label": `Revoke ${t.name}` }, "Revoke");
    revoke.addEventListener("click", async () => {
      await api("DELETE", `/api/v1/tokens/${t.id}`);
      await listTokens();
      notify(`Revoked “${t.name}”.`);
    });
    const expires = t.expires_at ? `expires ${t.expires_at.slice(0, 10)}` : "never expires";
    return el("li", { "data-token": t.id }, el("strong", {}, t.name), ` ${t.prefix}… · ${t.scopes.join(", ")} · ${expires} `, revoke);
  }));
}

if (settings) {
  $("#open-settings").addEventListener("click", () => openSettings().catch(() => {}));
  field("s-cancel").addEventListener("click", () => settings.close());
  $("#settings-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const channels = [field("s-email-channel").checked && "email", field("s-inapp-channel").checked && "in_app"].filter(Boolean);
    try {
      // only what changed (a new email needs the password: the API says so if it does)
      const edited = { display_name: field("s-name").value, email: field("s-email").value, time_zone: field("s-zone").value, reminder_channels: channels };
      const patch = Object.fromEntries(Object.entries(edited).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(settingsLoaded[k])));
      if (patch.email) patch.current_password = field("s-password").value;
      const me = await api("PATCH", "/api/v1/me", patch);
      field("s-password").value = "";
      $("#open-settings").textContent = me.display_name;
      userZone = me.time_zone;
      settings.close();
      notify("Settings saved.");
    } catch (e) {
      field("s-error").textContent = problemText(e);
    }
  });
  $("#token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const scopes = field("t-write").checked ? ["tasks:read", "tasks:write"] : ["tasks:read"];
    try {
      const t = await api("POST", "/api/v1/tokens", { name: field("t-name").value, scopes, expires_in_days: Number(field("t-days").value) });
      field("t-new").replaceChildren("Copy it now — it is not shown again: ", el("code", { id: "t-secret" }, t.token));
      field("t-name").value = "";
      await listTokens();
    } catch (e) {
      field("t-new").textContent = problemText(e);
    }
  });
}
