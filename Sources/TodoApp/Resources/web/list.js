import { api } from "./api.js";
import { $, el, notify, taskItem } from "./dom.js";

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

export async function loadList() {
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

export async function showNextOccurrence(task, item) {
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
