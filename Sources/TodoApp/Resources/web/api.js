// The API client of the page: short-lived access tokens traded for the HttpOnly session cookie
// (POST /session/token with the CSRF token), JSON in and out, refusals as errors with the problem.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

let token = null;
let tokenExpiry = 0;

export async function accessToken() {
  if (token && Date.now() < tokenExpiry - 30_000) return token;
  const r = await fetch("/session/token", { method: "POST", headers: { "X-CSRF-Token": csrf } });
  if (r.status === 401 || r.status === 403) {
    location.href = "/";
    throw new Error("signed out");
  }
  const body = await r.json();
  token = body.access_token;
  tokenExpiry = Date.now() + body.expires_in * 1000;
  return token;
}

export async function api(method, path, body, extraHeaders = {}) {
  const headers = { authorization: `Bearer ${await accessToken()}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  Object.assign(headers, extraHeaders);
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(data?.detail ?? `HTTP ${r.status}`), { status: r.status, problem: data });
  return data;
}

/// A refused request as a sentence: each field's reason, else the problem's detail.
export function problemText(e) {
  return e.problem?.errors?.map((x) => `${x.field.replaceAll("_", " ")} ${x.reason}`).join("; ") || e.message;
}
