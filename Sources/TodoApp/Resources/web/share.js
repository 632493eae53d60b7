import { api, problemText } from "./api.js";
import { $, el, field, initials, notify } from "./dom.js";

// A project's people: who is in it with which role, pending invitations, inviting, changing a
// role, removing someone, leaving; and its activity. Owners see the controls that change
// people; everyone sees the list and can leave. The server decides: a refusal shows its reason.
const actions = document.querySelector(".view-actions");
const project = actions?.dataset.project;
const owner = actions?.dataset.role === "owner";
const me = $("#tasks")?.dataset.me;

function person(m) {
  return el("span", { class: "person" }, el("span", { class: "avatar", "aria-hidden": "true" }, m.initials ?? initials(m.display_name)), " ",
    el("span", { class: "name" }, m.display_name), " ", el("span", { class: "email" }, m.email ?? ""));
}

async function showMembers() {
  const [members, invitations] = await Promise.all([
    api("GET", `/api/v1/projects/${project}/members`),
    owner ? api("GET", `/api/v1/projects/${project}/invitations`) : Promise.resolve({ items: [] }),
  ]);
  const holder = members.items[0]?.user_id;
  field("member-list").replaceChildren(...members.items.map((m) => {
    const li = el("li", { "data-user": m.user_id }, person(m), " ");
    if (owner && m.user_id !== holder) {
      const role = el("select", { "aria-label": `Role of ${m.display_name}` });
      for (const r of ["owner", "editor", "viewer"]) role.append(el("option", { value: r }, r));
      role.value = m.role;
      role.addEventListener("change", () => act(() => api("PATCH", `/api/v1/projects/${project}/members/${m.user_id}`, { role: role.value }), `${m.display_name} is now ${role.value === "owner" ? "an" : "a"} ${role.value}.`));
      const remove = el("button", { type: "button", class: "danger", "aria-label": `Remove ${m.display_name}` }, "Remove");
      remove.addEventListener("click", () => act(() => api("DELETE", `/api/v1/projects/${project}/members/${m.user_id}`), `Removed ${m.display_name}.`));
      li.append(role, " ", remove);
    } else {
      li.append(el("span", { class: "role" }, m.user_id === holder ? "owner (holds the project)" : m.role));
    }
    if (m.user_id === me) li.append(" ", el("span", { class: "you" }, "(you)"));
    return li;
  }));
  const pending = invitations.items.filter((i) => i.state === "pending");
  field("invitations-title").hidden = !owner;
  field("invitation-list").replaceChildren(...pending.map((i) => {
    const revoke = el("button", { type: "button", "aria-label": `Revoke the invitation of ${i.email}` }, "Revoke");
    revoke.addEventListener("click", () => act(() => api("DELETE", `/api/v1/invitations/${i.id}`), `Revoked the invitation of ${i.email}.`));
    return el("li", {}, `${i.email} (${i.role}, until ${i.expires_at.slice(0, 10)}) `, revoke);
  }));
}

async function act(run, message) {
  field("share-error").textContent = "";
  try {
    await run();
    notify(message);
    await showMembers();
  } catch (e) {
    field("share-error").textContent = problemText(e);
    await showMembers().catch(() => {});
  }
}

const words = {
  "task.created": "added", "task.updated": "changed", "task.completed": "completed", "task.reopened": "reopened", "task.deleted": "deleted",
  "member.joined": "joined", "member.left": "left", "member.removed": "removed", "member.role_changed": "changed the role of", "project.transferred": "now holds the project:",
};
let activityCursor = null;

function activityItem(a) {
  const who = a.actor?.display_name ?? "Todo";
  const when = el("time", { datetime: a.at }, a.at.replace("T", " ").slice(0, 16));
  let what = words[a.type] ?? a.type;
  if (a.type === "task.updated" && a.fields.includes("assignee_id")) what = "assigned";
  else if (a.type === "task.updated" && a.fields.includes("project_id")) what = "moved";
  else if (a.type === "task.updated" && a.fields.length) what = `changed ${a.fields.map((f) => f.replace("_id", "").replaceAll("_", " ")).join(", ")} of`;
  const object = a.title ? `“${a.title}”` : a.member ? `${a.member.display_name}${a.role ? ` (${a.role})` : ""}` : "";
  const subject = a.type === "member.joined" || a.type === "member.left" ? a.member?.display_name ?? who : who;
  const text = a.type === "member.joined" || a.type === "member.left" ? `${subject} ${what}` : `${subject} ${what} ${object}`;
  return el("li", {}, when, " ", text.trim());
}

async function showActivity(more) {
  const params = new URLSearchParams({ limit: "30" });
  if (more && activityCursor) params.set("cursor", activityCursor);
  const page = await api("GET", `/api/v1/projects/${project}/activity?${params}`);
  activityCursor = page.next_cursor;
  const items = page.items.map(activityItem);
  if (more) field("activity-list").append(...items);
  else field("activity-list").replaceChildren(...(items.length ? items : [el("li", {}, "Nothing yet.")]));
  field("activity-more").hidden = !activityCursor;
}

if (project && $("#share")) {
  field("invite-form").hidden = !owner;
  $("#share-project")?.addEventListener("click", async () => {
    field("share-title").textContent = `People of “${actions.dataset.name}”`;
    field("invite-result").textContent = "";
    field("share-error").textContent = "";
    $("#share").showModal();
    await showMembers().catch((e) => (field("share-error").textContent = problemText(e)));
  });
  field("invite-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    field("share-error").textContent = "";
    try {
      const inv = await api("POST", `/api/v1/projects/${project}/invitations`, { email: field("invite-email").value, role: field("invite-role").value });
      field("invite-result").textContent = inv.link ? `Invited ${inv.email}. Email is off on this server: send them this link: ${inv.link}` : `Invited ${inv.email}: they get an email with a link (valid 7 days).`;
      field("invite-email").value = "";
      await showMembers();
    } catch (e) {
      field("share-error").textContent = problemText(e);
    }
  });
  field("leave-project").addEventListener("click", async () => {
    if (!confirm(`Leave “${actions.dataset.name}”? You will no longer see its tasks.`)) return;
    try {
      await api("DELETE", `/api/v1/projects/${project}/members/me`);
      location.href = "/";
    } catch (e) {
      field("share-error").textContent = problemText(e);
    }
  });
  $("#project-activity")?.addEventListener("click", async () => {
    $("#activity").showModal();
    await showActivity(false).catch((e) => field("activity-list").replaceChildren(el("li", {}, problemText(e))));
  });
  field("activity-more").addEventListener("click", () => showActivity(true).catch(() => {}));
  document.addEventListener("todo:members-changed", () => {
    if ($("#share").open) showMembers().catch(() => {});
  });
}
