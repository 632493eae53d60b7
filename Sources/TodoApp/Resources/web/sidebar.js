import { api, problemText } from "./api.js";
import { $, el, field, notify } from "./dom.js";

// The sidebar (views, saved filters, projects: plain links, each a page of its own), its menu on
// phones, new projects, and the project view's Rename and Archive.
const menu = $("#menu");
const sidebar = $("#sidebar");
menu?.addEventListener("click", () => {
  const open = menu.getAttribute("aria-expanded") !== "true";
  menu.setAttribute("aria-expanded", String(open));
  sidebar.classList.toggle("open", open);
  if (open) sidebar.querySelector("a")?.focus();
});

$("#new-project")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = field("np-name");
  try {
    const project = await api("POST", "/api/v1/projects", { name: input.value, color: field("np-color").value });
    location.href = `/?project=${project.id}&sort=manual`;
  } catch (e) {
    notify(`Could not add the project: ${problemText(e)}`);
  }
});

/// Asks for a name in a small dialog; resolves to it, or null when cancelled.
export function askName(title, value = "") {
  const dialog = el("dialog", { "aria-labelledby": "name-title" });
  const input = el("input", { id: "name-input", maxlength: "120", required: "" });
  input.value = value;
  const form = el("form", { method: "dialog" }, el("h2", { id: "name-title" }, title), el("label", { for: "name-input" }, "Name"), input,
    el("div", { class: "actions" }, el("button", { type: "button", value: "cancel" }, "Cancel"), el("button", { type: "submit" }, "Save")));
  dialog.append(form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    form.querySelector("button[value=cancel]").addEventListener("click", () => dialog.close());
    form.addEventListener("submit", () => resolve(input.value.trim() || null));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(null);
    });
    dialog.showModal();
  });
}

const actions = document.querySelector(".view-actions");
$("#rename-project")?.addEventListener("click", async () => {
  const name = await askName("Rename the project", actions.dataset.name);
  if (!name) return;
  try {
    await api("PATCH", `/api/v1/projects/${actions.dataset.project}`, { name });
    location.reload();
  } catch (e) {
    notify(`Could not rename it: ${problemText(e)}`);
  }
});
$("#archive-project")?.addEventListener("click", async (event) => {
  const archive = event.target.textContent === "Archive";
  await api("PATCH", `/api/v1/projects/${actions.dataset.project}`, { archived: archive });
  if (archive) location.href = "/";
  else location.reload();
});

// "Save as a filter": the query is checked by the API (a mistake names its position).
$("#save-filter")?.addEventListener("click", async () => {
  const query = field("filter-query").value.trim();
  if (!query) return field("filter-query").focus();
  const name = await askName("Name the filter");
  if (!name) return;
  try {
    const saved = await api("POST", "/api/v1/filters", { name, query });
    location.href = `/?filter=${saved.id}`;
  } catch (e) {
    notify(`Not saved: ${problemText(e)}`);
  }
});

$("#project-color")?.addEventListener("change", async (event) => {
  await api("PATCH", `/api/v1/projects/${actions.dataset.project}`, { color: event.target.value });
  location.reload();
});

// Reordering projects: drag one onto another (it goes after that one), or Alt+↑/↓ on its link.
const projects = () => [...document.querySelectorAll("#project-list li[data-project]")];
async function placeProject(li, after) {
  await api("PATCH", `/api/v1/projects/${li.dataset.project}`, { after });
  sessionStorage.setItem("todo-focus-project", li.dataset.project);
  location.reload();
}
const focusAgain = sessionStorage.getItem("todo-focus-project");
if (focusAgain) {
  sessionStorage.removeItem("todo-focus-project");
  document.querySelector(`#project-list li[data-project="${focusAgain}"] a`)?.focus();
}
$("#project-list")?.addEventListener("keydown", (event) => {
  const li = event.target.closest("li[data-project]");
  if (!li || !event.altKey || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
  event.preventDefault();
  const list = projects();
  const i = list.indexOf(li);
  if (event.key === "ArrowUp" && i > 0) placeProject(li, i >= 2 ? list[i - 2].dataset.project : null);
  if (event.key === "ArrowDown" && i < list.length - 1) placeProject(li, list[i + 1].dataset.project);
});
let draggedProject = null;
$("#project-list")?.addEventListener("dragstart", (event) => {
  draggedProject = event.target.closest?.("li[data-project]");
  if (draggedProject) event.dataTransfer.setData("text/plain", draggedProject.dataset.project);
});
$("#project-list")?.addEventListener("dragover", (event) => {
  const over = event.target.closest?.("li[data-project]");
  if (draggedProject && over && over !== draggedProject) event.preventDefault();
});
$("#project-list")?.addEventListener("drop", (event) => {
  const over = event.target.closest?.("li[data-project]");
  if (!draggedProject || !over || over === draggedProject) return;
  event.preventDefault();
  placeProject(draggedProject, over.dataset.project);
  draggedProject = null;
});
$("#project-list")?.addEventListener("dragend", () => { draggedProject = null; });

$("#new-section")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", `/api/v1/projects/${actions.dataset.project}/sections`, { name: field("ns-name").value });
    location.reload();
  } catch (e) {
    notify(`Could not add the section: ${problemText(e)}`);
  }
});
