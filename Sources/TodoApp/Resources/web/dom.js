// DOM helpers shared by the page's modules: every element is built with DOM calls and text
// nodes, never from HTML strings.
export const $ = (selector) => document.querySelector(selector);
export const field = (id) => document.getElementById(id);

/// What the page knows of the person: their time zone (the editor's default; settings change it).
export const prefs = { zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" };

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/// The same markup as the server's WebPages.taskItem.
export function taskItem(task) {
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
export function markdown(text) {
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
export function notify(message, action, run) {
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
