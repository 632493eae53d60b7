import { api, problemText } from "./api.js";
import { $, el, notify } from "./dom.js";
import { loadList } from "./list.js";

// Putting tasks in order, by keyboard and by drag and drop, each with an undo:
// Alt+↑/↓ moves the focused task among its siblings, Alt+→ makes it a subtask of the one above,
// Alt+← takes it out of its parent, m moves it to another project; a task dragged onto another
// goes after it (onto its right half: becomes its subtask), onto a section's heading or a project in
// the sidebar: there, last.
const list = $("#tasks");

const itemOf = (node) => node?.closest?.("#tasks li.task");
const siblings = (item) => [...list.querySelectorAll("li.task")].filter((li) => (li.dataset.parent ?? "") === (item.dataset.parent ?? ""));

/// Where the task is now, as a move request (for undo).
function placeOf(item) {
  const s = siblings(item);
  const i = s.indexOf(item);
  return { project_id: item.dataset.project, parent_id: item.dataset.parent ?? null, after: i > 0 ? s[i - 1].dataset.id : null };
}

export async function move(item, body, done = "Moved") {
  const id = item.dataset.id;
  const undo = placeOf(item);
  try {
    await api("POST", `/api/v1/tasks/${id}/move`, body);
  } catch (e) {
    notify(`Not moved: ${problemText(e)}`);
    return;
  }
  await loadList(id);
  notify(`${done}.`, "Undo", async () => {
    await api("POST", `/api/v1/tasks/${id}/move`, undo);
    await loadList(id);
  });
}

function keyMove(item, key) {
  const s = siblings(item);
  const i = s.indexOf(item);
  if (key === "ArrowUp" && i > 0) return move(item, { after: i >= 2 ? s[i - 2].dataset.id : null }, "Moved up");
  if (key === "ArrowDown" && i < s.length - 1) return move(item, { after: s[i + 1].dataset.id }, "Moved down");
  if (key === "ArrowRight" && i > 0) return move(item, { parent_id: s[i - 1].dataset.id }, "Made a subtask");
  if (key === "ArrowLeft" && item.dataset.parent) {
    const parent = list.querySelector(`li.task[data-id="${item.dataset.parent}"]`);
    if (parent) return move(item, { parent_id: parent.dataset.parent ?? null, after: parent.dataset.id }, "Taken out of its parent");
  }
}

/// The "Move to project" dialog: the sidebar's projects (the Inbox first) as buttons.
function chooseProject(item) {
  const dialog = $("#move-to");
  const choices = [...document.querySelectorAll("#sidebar li[data-project]")].map((li) => {
    const button = el("button", { type: "button" }, li.querySelector(".name").textContent);
    if (li.dataset.project === item.dataset.project) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => {
      dialog.close();
      move(item, { project_id: li.dataset.project }, `Moved to ${li.querySelector(".name").textContent}`);
    });
    return el("li", {}, button);
  });
  $("#move-list").replaceChildren(...choices);
  dialog.showModal();
  choices[0]?.querySelector("button").focus();
}

document.addEventListener("keydown", (event) => {
  const item = itemOf(event.target);
  if (!item || item.dataset.readonly || event.ctrlKey || event.metaKey) return;
  if (event.altKey && ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(event.key)) {
    event.preventDefault();
    keyMove(item, event.key);
  } else if (!event.altKey && event.key === "m") {
    event.preventDefault();
    chooseProject(item);
  }
});

// Drag and drop.
let dragged = null;
list?.addEventListener("dragstart", (event) => {
  dragged = itemOf(event.target);
  if (!dragged) return;
  event.dataTransfer.setData("text/plain", dragged.dataset.id);
  event.dataTransfer.effectAllowed = "move";
  dragged.classList.add("dragging");
});
list?.addEventListener("dragend", () => {
  dragged?.classList.remove("dragging");
  for (const li of document.querySelectorAll(".drop-target")) li.classList.remove("drop-target");
});
const target = (event) => itemOf(event.target) ?? event.target.closest?.("#sidebar li[data-project], #tasks li.section");
for (const zone of [list, $("#sidebar")]) {
  zone?.addEventListener("dragover", (event) => {
    const over = target(event);
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    for (const li of document.querySelectorAll(".drop-target")) if (li !== over) li.classList.remove("drop-target");
    over.classList.add("drop-target");
  });
  zone?.addEventListener("drop", (event) => {
    const over = target(event);
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    over.classList.remove("drop-target");
    const item = dragged;
    if (over.matches("#sidebar li")) return move(item, { project_id: over.dataset.project }, `Moved to ${over.querySelector(".name").textContent}`);
    if (over.matches("li.section")) return move(item, { section_id: over.dataset.section }, `Moved to ${over.textContent}`);
    const box = over.getBoundingClientRect();
    if (event.clientX > box.left + box.width / 2) return move(item, { parent_id: over.dataset.id }, "Made a subtask");
    return move(item, { after: over.dataset.id });
  });
}
