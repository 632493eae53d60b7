import { accessToken, api, problemText } from "./api.js";
import { $, el, field, notify } from "./dom.js";

// Settings, continued: calendar feed links (shown once, a new link replaces one, delete revokes),
// the export as a download, and an import (Todo's export, Todoist's CSV, Vikunja's data.json).
async function listFeeds() {
  const feeds = await api("GET", "/api/v1/calendar-feeds");
  field("feed-list").replaceChildren(...feeds.items.map((f) => {
    const rotate = el("button", { type: "button", "aria-label": `New link for ${f.name}` }, "New link");
    rotate.addEventListener("click", async () => {
      const fresh = await api("POST", `/api/v1/calendar-feeds/${f.id}/rotate`);
      showLink(fresh.url);
      await listFeeds();
    });
    const remove = el("button", { type: "button", "aria-label": `Delete ${f.name}` }, "Delete");
    remove.addEventListener("click", async () => {
      await api("DELETE", `/api/v1/calendar-feeds/${f.id}`);
      field("f-new").textContent = "";
      await listFeeds();
      notify(`Deleted the calendar link “${f.name}”.`);
    });
    const read = f.last_read_at ? `last read ${f.last_read_at.slice(0, 10)}` : "not read yet";
    return el("li", { "data-feed": f.id }, el("strong", {}, f.name), ` · ${f.scope}${f.include_completed ? ", done shown" : ""} · ${read} `, rotate, remove);
  }));
}

function showLink(url) {
  field("f-new").replaceChildren("Copy it now — it is not shown again: ", el("code", { id: "f-url" }, url));
}

async function importFile(file, from, dryRun) {
  const type = from === "todoist" ? "text/csv" : "application/json";
  let path = `/api/v1/import?from=${from}${dryRun ? "&dry_run=true" : ""}`;
  if (from === "todoist") path += `&project=${encodeURIComponent(file.name.replace(/\.[^.]*$/, "") || "Todoist")}`;
  const r = await fetch(path, { method: "POST", headers: { authorization: `Bearer ${await accessToken()}`, "content-type": type }, body: file });
  const data = await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(data?.detail ?? `HTTP ${r.status}`), { status: r.status, problem: data });
  return data;
}

if ($("#settings")) {
  $("#open-settings").addEventListener("click", () => listFeeds().catch(() => {}));
  $("#feed-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const feed = await api("POST", "/api/v1/calendar-feeds", { include_completed: field("f-done").checked });
      showLink(feed.url);
      await listFeeds();
    } catch (e) {
      field("f-new").textContent = problemText(e);
    }
  });
  field("x-export").addEventListener("click", async () => {
    const doc = await api("GET", "/api/v1/export");
    const link = el("a", { href: URL.createObjectURL(new Blob([JSON.stringify(doc)], { type: "application/json" })), download: `todo-export-${doc.exported_at.slice(0, 10)}.json` });
    link.click();
    URL.revokeObjectURL(link.href);
    notify(`Exported ${doc.tasks.length} tasks.`);
  });
  $("#import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = field("i-file").files[0];
    if (!file) return;
    try {
      const answer = await importFile(file, field("i-from").value, field("i-dry").checked);
      const c = answer.created;
      const verb = answer.dry_run ? "Would create" : "Created";
      let text = `${verb} ${c.tasks} tasks, ${c.projects} projects, ${c.sections} sections, ${c.filters} filters; ${answer.existing.tasks} tasks were there already.`;
      if (answer.unknown_fields.length) text += ` Left out: ${answer.unknown_fields.join(", ")}.`;
      if (answer.notes.length) text += ` ${answer.notes.slice(0, 3).join(" ")}`;
      field("i-result").textContent = text;
    } catch (e) {
      field("i-result").textContent = problemText(e);
    }
  });
}
