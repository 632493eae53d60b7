import { api } from "./api.js";
import { $, dueLabel, el } from "./dom.js";
import { loadList, viewParams } from "./list.js";

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
      // In a project's view a task goes there unless the line names another (+Project).
      const body = { text };
      if (viewParams().get("project")) body.project_id = viewParams().get("project");
      const task = await api("POST", "/api/v1/tasks/quick", body);
      quick.value = "";
      showTokens("", []);
      const where = document.querySelector(`#sidebar li[data-project="${task.project_id}"] .name`)?.textContent ?? "its project";
      understood.textContent = `Added: ${task.title} — ${where}${task.due ? `, ${dueLabel(task.due)}` : ""}`;
      await loadList(task.id);
      quick.focus();
    } catch (e) {
      understood.textContent = e.problem?.errors?.map((x) => x.reason).join("; ") || e.message;
      understood.setAttribute("role", "alert");
    }
  });
}
