import { api, problemText } from "./api.js";
import { $, el, field, notify, prefs } from "./dom.js";

// Settings: name, email, zone, reminder channels; personal API tokens (shown once, revocable).
const settings = $("#settings");

let settingsLoaded = null;

async function openSettings() {
  const me = await api("GET", "/api/v1/me");
  settingsLoaded = me;
  field("s-name").value = me.display_name;
  field("s-email").value = me.email;
  field("s-zone").value = me.time_zone;
  field("s-email-channel").checked = me.reminder_channels.includes("email");
  field("s-inapp-channel").checked = me.reminder_channels.includes("in_app");
  field("s-error").textContent = "";
  field("t-new").textContent = "";
  await listTokens();
  settings.showModal();
}

async function listTokens() {
  const tokens = await api("GET", "/api/v1/tokens");
  field("token-list").replaceChildren(...tokens.items.map((t) => {
    const revoke = el("button", { type: "button", "aria-label": `Revoke ${t.name}` }, "Revoke");
    revoke.addEventListener("click", async () => {
      await api("DELETE", `/api/v1/tokens/${t.id}`);
      await listTokens();
      notify(`Revoked “${t.name}”.`);
    });
    const expires = t.expires_at ? `expires ${t.expires_at.slice(0, 10)}` : "never expires";
    return el("li", { "data-token": t.id }, el("strong", {}, t.name), ` ${t.prefix}… · ${t.scopes.join(", ")} · ${expires} `, revoke);
  }));
}

if (settings) {
  $("#open-settings").addEventListener("click", () => openSettings().catch(() => {}));
  field("s-cancel").addEventListener("click", () => settings.close());
  $("#settings-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const channels = [field("s-email-channel").checked && "email", field("s-inapp-channel").checked && "in_app"].filter(Boolean);
    try {
      // only what changed (a new email needs the password: the API says so if it does)
      const edited = { display_name: field("s-name").value, email: field("s-email").value, time_zone: field("s-zone").value, reminder_channels: channels };
      const patch = Object.fromEntries(Object.entries(edited).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(settingsLoaded[k])));
      if (patch.email) patch.current_password = field("s-password").value;
      const me = await api("PATCH", "/api/v1/me", patch);
      field("s-password").value = "";
      $("#open-settings").textContent = me.display_name;
      prefs.zone = me.time_zone;
      settings.close();
      notify("Settings saved.");
    } catch (e) {
      field("s-error").textContent = problemText(e);
    }
  });
  $("#token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const scopes = field("t-write").checked ? ["tasks:read", "tasks:write"] : ["tasks:read"];
    try {
      const t = await api("POST", "/api/v1/tokens", { name: field("t-name").value, scopes, expires_in_days: Number(field("t-days").value) });
      field("t-new").replaceChildren("Copy it now — it is not shown again: ", el("code", { id: "t-secret" }, t.token));
      field("t-name").value = "";
      await listTokens();
    } catch (e) {
      field("t-new").textContent = problemText(e);
    }
  });
}
