import { api } from "./api.js";
import { $, notify, taskItem, taskItems } from "./dom.js";

// The list: the view the URL names (data-params, as the server read it), narrowed by the filter
// bar; the bar's choices go into the URL, so a view reloads and bookmarks as it is. More pages
// load as the end scrolls into view.
const list = $("#tasks");
const filters = $("#filters");
let listSeq = 0;
let depthOf = new Map();
let lastDay = { value: undefined };

export function viewParams() {
  return new URLSearchParams(list?.dataset.params ?? "");
}

function formParams() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(filters)) if (value) params.set(name, value);
  return params;
}

function listQuery() {
  const params = viewParams();
  for (const [name, value] of formParams()) params.set(name, value);
  // a project's view is read whole (up to 200), so its sections group all of it
  params.set("limit", params.get("project") ? "200" : "50");
  return params;
}

/// The sections of the project in view, when its tasks are in the person's order.
const sections = () => (isTree() && viewParams().get("project") ? JSON.parse(list.dataset.sections || "[]") : []);

/// The URL: the view's parameters and the bar's (the default status left out).
function syncURL() {
  const params = viewParams();
  for (const [name, value] of formParams()) if (!(name === "status" && value === "open")) params.set(name, value);
  history.replaceState(null, "", params.toString() ? `/?${params}` : "/");
}

/// In the person's order the list is a tree: subtasks indented under their parent, foldable.
const isTree = () => listQuery().get("sort") === "manual";

function moreItem(cursor) {
  const li = document.createElement("li");
  Object.assign(li, { id: "more", className: "more", textContent: "Loading more…" });
  li.dataset.cursor = cursor;
  return li;
}

export async function loadList(focusID) {
  const seq = ++listSeq;
  const page = await api("GET", `/api/v1/tasks?${listQuery()}`);
  if (seq !== listSeq) return;
  depthOf = new Map();
  lastDay = { value: undefined };
  const items = taskItems(page.items, page.groups, depthOf, lastDay, isTree(), sections());
  if (!items.length) items.push(Object.assign(document.createElement("li"), { className: "empty", textContent: "No tasks here." }));
  list.replaceChildren(...items, ...(page.next_cursor ? [moreItem(page.next_cursor)] : []));
  watchMore();
  if (focusID) list.querySelector(`li[data-id="${focusID}"] input[type=checkbox]`)?.focus();
}

async function loadMore(sentinel) {
  const seq = listSeq;
  const params = listQuery();
  params.set("cursor", sentinel.dataset.cursor);
  sentinel.removeAttribute("data-cursor");
  const page = await api("GET", `/api/v1/tasks?${params}`);
  if (seq !== listSeq || !sentinel.isConnected) return;
  sentinel.replaceWith(...taskItems(page.items, page.groups, depthOf, lastDay, isTree()), ...(page.next_cursor ? [moreItem(page.next_cursor)] : []));
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

if (filters && list) {
  // The bar shows what the URL says (the server rendered the list for it already).
  const url = new URLSearchParams(location.search);
  for (const control of filters.elements) {
    if (!control.name || !url.has(control.name)) continue;
    if (control.type === "checkbox") control.checked = url.get(control.name) === control.value;
    else control.value = url.get(control.name);
  }
  const narrowed = ["priority", "tag", "due_before", "due_after", "overdue"].some((k) => url.has(k)) || (url.has("status") && url.get("status") !== "open");
  if (narrowed) filters.querySelector("details").open = true;
  // Depths of the server's page, for the pages that follow.
  for (const li of list.querySelectorAll("li.task")) depthOf.set(li.dataset.id, +li.dataset.depth);
  let filterTimer = null;
  const schedule = () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      syncURL();
      loadList().catch(() => {});
    }, 150);
  };
  filters.addEventListener("input", (event) => {
    if (event.target.id !== "filter-query") schedule();
  });
  // selects and the checkbox (a search box's change on blur would reload the list needlessly)
  filters.addEventListener("change", (event) => {
    if (event.target.type !== "search" && event.target.id !== "filter-query") schedule();
  });
  filters.addEventListener("submit", (event) => event.preventDefault());
  watchMore();
}

// Folding a parent's subtasks away (and back): the items after it that are deeper than it.
list?.addEventListener("click", (event) => {
  const fold = event.target.closest("button.fold");
  if (!fold) return;
  const item = fold.closest("li.task");
  const open = fold.getAttribute("aria-expanded") !== "true";
  fold.setAttribute("aria-expanded", String(open));
  fold.textContent = open ? "▾" : "▸";
  fold.setAttribute("aria-label", `${open ? "Fold away" : "Show"} the subtasks of ${item.querySelector(".title").textContent}`);
  const depth = +item.dataset.depth;
  // an inner parent that is folded keeps its own subtasks hidden when this one opens
  let foldedAt = Infinity;
  for (let next = item.nextElementSibling; next?.matches("li.task") && +next.dataset.depth > depth; next = next.nextElementSibling) {
    const d = +next.dataset.depth;
    if (d <= foldedAt) foldedAt = Infinity;
    next.hidden = !open || d > foldedAt;
    if (open && foldedAt === Infinity && next.querySelector("button.fold[aria-expanded=false]")) foldedAt = d;
  }
});

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

export async function showNextOccurrence(task, item) {
  for (let attempt = 0; attempt < 20; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const page = await api("GET", `/api/v1/tasks?status=open&q=${encodeURIComponent(task.title)}&limit=50`).catch(() => null);
    const next = page?.items.find((t) => t.series_id === task.series_id && t.id !== task.id && !document.querySelector(`li[data-id="${t.id}"]`));
    if (next) {
      if (item.isConnected) item.after(taskItem(next, +item.dataset.depth));
      else loadList().catch(() => {});
      return;
    }
  }
}
