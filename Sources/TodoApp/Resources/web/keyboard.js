import { $ } from "./dom.js";
import { openEditor } from "./editor.js";

// Keyboard: n new task, / search, j/k move, x complete, ? help.
function focusTask(step) {
  const items = [...document.querySelectorAll("#tasks li.task:not([hidden])")];
  if (!items.length) return;
  const current = items.indexOf(document.activeElement.closest("li.task"));
  const next = items[Math.min(items.length - 1, Math.max(0, current + step))] ?? items[0];
  // (a read-only task's checkbox is disabled: its title takes the focus)
  (next.querySelector("input[type=checkbox]:not([disabled])") ?? next.querySelector("button.title")).focus();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target.closest("input:not([type=checkbox]), textarea, select");
  if (typing) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  const keys = { n: () => $("#quick")?.focus(), "/": () => $("#search")?.focus(), j: () => focusTask(1), k: () => focusTask(-1), "?": () => $("#keys")?.showModal() };
  if (event.key === "e" && event.target.closest("#tasks li.task")) {
    event.preventDefault();
    openEditor(event.target.closest("li.task").dataset.id);
  } else if (event.key === "x" && event.target.matches("#tasks input[type=checkbox]")) {
    event.preventDefault();
    event.target.click();
  } else if (keys[event.key]) {
    event.preventDefault();
    keys[event.key]();
  }
});
