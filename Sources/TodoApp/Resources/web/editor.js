import { api, problemText } from "./api.js";
import { $, el, field, markdown, notify, prefs, refreshPeople, sharing, taskItem } from "./dom.js";
import { showNextOccurrence } from "./list.js";

// The editor: every field of a task; recurrence previewed (description and the next five dates).
const editor = $("#editor");
let editing = null;
/// Whether the task being edited is in a shared project (its reminders can be for the assignee).
let shared = false;

export async function openEditor(id) {
  const task = await api("GET", `/api/v1/tasks/${id}`);
  editing = task;
  field("e-title").value = task.title;
  field("e-description").value = task.description ?? "";
  field("e-priority").value = task.priority;
  field("e-tags").value = (task.tags ?? []).join(", ");
  field("e-due-date").value = task.due?.date ?? task.due?.date_time?.slice(0, 10) ?? "";
  field("e-due-time").value = task.due?.date_time?.slice(11, 16) ?? "";
  field("e-due-zone").value = task.due?.time_zone ?? prefs.zone;
  const rule = task.recurrence?.rule ?? "";
  const preset = [...field("e-repeat").options].find((o) => o.value === rule && o.value !== "custom");
  field("e-repeat").value = rule ? (preset ? rule : "custom") : "";
  field("e-rule").value = rule;
  field("e-anchor").checked = task.recurrence?.anchor === "completion";
  field("e-reminders").replaceChildren(...(task.reminders ?? []).filter((r) => r.state !== "cancelled").map(reminderRow));
  field("e-error").textContent = "";
  field("e-skip").hidden = !task.recurrence;
  // A shared project's task: whom it is assigned to (one of the project's people, read now: the
  // page may be older than the last one to join). The Inbox is never shared.
  if (task.project_id !== $("#tasks").dataset.me) await refreshPeople(task.project_id).catch(() => {});
  const people = sharing().people[task.project_id];
  shared = !!people;
  for (const select of document.querySelectorAll("#e-reminders .r-for")) select.hidden = !shared;
  field("e-assignee-row").hidden = !people;
  if (people) {
    const names = sharing().names;
    field("e-assignee").replaceChildren(el("option", { value: "" }, "Nobody"), ...people.map((id) => el("option", { value: id }, names[id] ?? id)));
    field("e-assignee").value = task.assignee_id ?? "";
  }
  // A viewer reads the task: no control changes it.
  const readOnly = sharing().read_only.includes(task.project_id);
  for (const control of editor.querySelectorAll("input, select, textarea, #e-reminders button, #e-add-before, #e-add-at")) control.disabled = readOnly;
  for (const id of ["e-save", "e-delete"]) field(id).hidden = readOnly;
  if (readOnly) field("e-skip").hidden = true;
  field("editor-title").textContent = readOnly ? "Task (you can view this project)" : "Edit task";
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
  const recipient = el("select", { class: "r-for", "aria-label": `Reminder ${n}: for` });
  recipient.append(el("option", { value: "me" }, "for me"), el("option", { value: "assignee" }, "for the assignee"));
  recipient.value = reminder.for ?? "me";
  recipient.hidden = !shared;
  row.append(recipient);
  const remove = el("button", { type: "button", "aria-label": `Remove reminder ${n}` }, "Remove");
  remove.addEventListener("click", () => row.remove());
  row.append(remove);
  return row;
}

function editedReminders() {
  return [...document.querySelectorAll("#e-reminders li.reminder")].map((row) => {
    const when = row.querySelector(".r-when").value;
    const channels = [...row.querySelectorAll(".r-channel")].filter((b) => b.checked).map((b) => b.value);
    const recipient = row.querySelector(".r-for").value;
    return row.dataset.kind === "before" ? { before: when, channels, for: recipient } : { at: when ? new Date(when).toISOString() : "", channels, for: recipient };
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
  const params = new URLSearchParams({ rule, count: "5", time_zone: field("e-due-zone").value || prefs.zone });
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
    due: date ? (time ? { date_time: `${date}T${time}`, time_zone: field("e-due-zone").value || prefs.zone } : { date }) : null,
    recurrence: rule ? { rule, anchor: field("e-anchor").checked ? "completion" : "schedule" } : null,
    reminders: editedReminders(),
    ...(field("e-assignee-row").hidden ? {} : { assignee_id: field("e-assignee").value || null }),
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
    for (const li of document.querySelectorAll(`li[data-parent="${task.id}"]`)) li.remove();  // its subtasks went with it
    notify(task.subtasks?.total ? `Deleted “${task.title}” and its subtasks (undo restores the task itself).` : `Deleted “${task.title}”.`, "Undo", async () => {
      const copy = {
        title: task.title, description: task.description, priority: task.priority, tags: task.tags,
        project_id: task.project_id, section_id: task.section_id, parent_id: task.parent_id,
        due: task.due ? (task.due.date ? { date: task.due.date } : { date_time: task.due.date_time.slice(0, 16), time_zone: task.due.time_zone }) : null,
        recurrence: task.recurrence ? { rule: task.recurrence.rule, anchor: task.recurrence.anchor } : null,
        reminders: (task.reminders ?? []).filter((r) => r.state === "pending").map((r) => (r.before ? { before: r.before, channels: r.channels, for: r.for } : { at: r.at, channels: r.channels, for: r.for })),
      };
      const restored = await api("POST", "/api/v1/tasks", copy);
      $("#tasks .empty")?.remove();
      $("#tasks").prepend(taskItem(restored));
      notify(`Restored “${restored.title}”.`);
    });
  });
}
