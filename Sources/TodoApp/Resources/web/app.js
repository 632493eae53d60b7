// Todo's page script: no framework, no build step — ES modules the browser loads as they are
// (the server names each by a hash of its content, imports included, so they cache for a year).
// api.js talks to the API; dom.js builds elements; list.js, editor.js, quickadd.js,
// notifications.js, settings.js, data.js, keyboard.js, sidebar.js, order.js and share.js each own one part of the page.
import "./list.js";
import "./editor.js";
import "./quickadd.js";
import "./notifications.js";
import "./settings.js";
import "./data.js";
import "./keyboard.js";
import "./sidebar.js";
import "./order.js";
import "./share.js";

// The sign-up form takes the browser's time zone.
for (const input of document.querySelectorAll("[data-browser-zone]")) {
  input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
