// DOM helpers shared by the page's modules: every element is built with DOM calls and text
// nodes, never from HTML strings.
import { api } from "./api.js";
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

/// Today's date in the person's zone (the list's data-zone), as YYYY-MM-DD.
export function today() {
  const zone = document.getElementById("tasks")?.dataset.zone || prefs.zone;
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const dayNumber = (date) => Math.round(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / 86400000);

/// A day as people read it — the same words as the server's DueLabel: Today, Tomorrow,
/// Yesterday, a weekday within the week, else "Mon 7 Dec" (and the year when not this one).
export function dayLabel(date, now = today()) {
  const offset = dayNumber(date) - dayNumber(now);
  const weekday = WEEKDAYS[(((dayNumber(date) % 7) + 10) % 7)];
  if (offset === 0) return "Today";
  if (offset === 1) return "Tomorrow";
  if (offset === -1) return "Yesterday";
  if (offset >= 2 && offset <= 6) return weekday;
  const text = `${weekday} ${+date.slice(8, 10)} ${MONTHS[+date.slice(5, 7) - 1]}`;
  return date.slice(0, 4) === now.slice(0, 4) ? text : `${text} ${date.slice(0, 4)}`;
}

export function dueLabel(due, now = today()) {
  if (due.date) return dayLabel(due.date, now);
  return `${dayLabel(due.date_time.slice(0, 10), now)} ${due.date_time.slice(11, 16)}`;
}

/// The people of the person's shared projects (names by id, each project's people, the projects
/// they may only read), as the server put them on the list (WebSharing).
let sharingCache = null;
export function sharing() {
  if (!sharingCache) sharingCache = JSON.parse(document.getElementById("tasks")?.dataset.sharing || '{"names":{},"people":{},"read_only":[]}');
  return sharingCache;
}

/// Reads a project's people again (someone joined or left since the page was made); returns them.
export async function refreshPeople(projectID) {
  const members = await api("GET", `/api/v1/projects/${projectID}/members`);
  const s = sharing();
  for (const m of members.items) s.names[m.user_id] = m.display_name;
  if (members.items.length > 1) s.people[projectID] = members.items.map((m) => m.user_id);
  else delete s.people[projectID];
  return members.items;
}

/// One or two letters for a person, as the server's Member.initials.
export function initials(name) {
  const words = name.split(/[\s@.]+/).filter(Boolean);
  if (!words.length) return "?";
  return (words.length > 1 ? words[0][0] + words[words.length - 1][0] : words[0][0]).toUpperCase();
}

/// The same markup as the server's WebPages.taskItem.
export function taskItem(task, depth = 0, foldable = false) {
  const meta = el("span", { class: "meta" });
  const add = (node) => {
    if (meta.childNodes.length) meta.append(" ");
    meta.append(node);
  };
  if (task.due) {
    const local = task.due.date ?? task.due.date_time;
    const overdue = !task.completed && (task.due.at ? new Date(task.due.at) <= new Date() : task.due.date < today());
    add(el("time", { class: overdue ? "due overdue" : "due", datetime: local }, dueLabel(task.due)));
  }
  if (task.recurrence?.description) {
    const d = task.recurrence.description;
    add(el("span", { class: "repeat", tabindex: "0", role: "img", "aria-label": `Repeats: ${d}`, title: d, "data-tip": d }, "↻"));
  }
  if (task.subtasks?.total > 0) {
    const done = task.subtasks.total - task.subtasks.open;
    add(el("span", { class: "progress", "aria-label": `${done} of ${task.subtasks.total} subtasks done` }, `${done}/${task.subtasks.total}`));
  }
  if (task.priority && task.priority !== "none") add(el("span", { class: `priority p-${task.priority}` }, task.priority));
  for (const tag of task.tags ?? []) add(el("span", { class: "tag" }, `#${tag}`));
  if (task.assignee_id) {
    const name = sharing().names[task.assignee_id] ?? "a former member";
    add(el("span", { class: "assignee", role: "img", "aria-label": `Assigned to ${name}`, title: `Assigned to ${name}` }, initials(name)));
  }
  const readOnly = sharing().read_only.includes(task.project_id);
  const box = el("input", { type: "checkbox", id: `done-${task.id}`, "aria-label": `Complete: ${task.title}` });
  if (task.completed) box.checked = true;
  if (readOnly) box.disabled = true;
  const attributes = { class: task.completed ? "task done" : "task", "data-id": task.id, "data-project": task.project_id ?? "", "data-depth": String(depth) };
  if (readOnly) attributes["data-readonly"] = "true";
  else attributes.draggable = "true";
  if (task.parent_id) attributes["data-parent"] = task.parent_id;
  const fold = foldable && task.subtasks?.total > 0
    ? [el("button", { type: "button", class: "fold", "aria-expanded": "true", "aria-label": `Fold away the subtasks of ${task.title}` }, "▾")]
    : [];
  return el("li", attributes, ...fold, box, el("button", { type: "button", class: "title", "aria-haspopup": "dialog" }, task.title), " ", meta);
}

/// A page of tasks as list items: in the person's order (`tree`) subtasks indented under a parent
/// on the page (`depthOf` keeps the depths across pages), the upcoming view's days as headings
/// (`groups` from the API).
export function taskItems(tasks, groups, depthOf = new Map(), lastDay = { value: undefined }, tree = false, sections = []) {
  if (sections.length) {
    // A project's view: the tasks without a section, then each section's under its heading.
    const items = taskItems(tasks.filter((t) => !t.section_id), groups, depthOf, lastDay, tree);
    for (const section of sections) {
      items.push(el("li", { class: "section", "data-section": section.id }, el("h3", {}, section.name)));
      items.push(...taskItems(tasks.filter((t) => t.section_id === section.id), groups, depthOf, lastDay, tree));
    }
    return items;
  }
  const dayOf = new Map();
  for (const g of groups ?? []) for (const id of g.task_ids) dayOf.set(id, g.overdue ? "overdue" : g.date);
  const items = [];
  for (const task of tasks) {
    const day = dayOf.get(task.id);
    if (day !== undefined && day !== lastDay.value) {
      lastDay.value = day;
      items.push(el("li", { class: "day", "data-day": day }, el("h3", {}, day === "overdue" ? "Overdue" : dayLabel(day))));
    }
    const depth = tree && task.parent_id && depthOf.has(task.parent_id) ? depthOf.get(task.parent_id) + 1 : 0;
    depthOf.set(task.id, depth);
    items.push(taskItem(task, depth, tree));
  }
  return items;
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
