// Segue's HTTP API from the page: JSON calls, problem details as errors, the chat turn as server-sent events.

export class ProblemError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `The server answered ${status}.`);
    this.status = status;
    this.problem = problem || {};
  }
}

// The token lives in this tab's sessionStorage: gone when the tab closes, never written to the profile on disk,
// not shared with other tabs. A token an older page left in localStorage is moved here once.
const KEY = "segue.token";

export function token() {
  try {
    const old = localStorage.getItem(KEY);
    if (old !== null) {
      localStorage.removeItem(KEY);
      if (!sessionStorage.getItem(KEY)) sessionStorage.setItem(KEY, old);
    }
    return sessionStorage.getItem(KEY) || "";
  } catch (_) { return ""; }
}

export function setToken(value) {
  try { sessionStorage.setItem(KEY, value); } catch (_) { /* storage disabled */ }
}

export function headers(extra) {
  const h = Object.assign({}, extra || {});
  const t = token();
  if (t) h["Authorization"] = `Bearer ${t}`;
  return h;
}

export async function problemFrom(res) {
  let body = null;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch (_) { body = null; }
  if (!body || typeof body !== "object") body = { title: res.statusText, status: res.status };
  if (res.status === 401 || res.status === 403) {
    body.detail = (body.detail || "Not allowed.") + " Set your access token under Settings.";
  }
  const retry = res.headers.get("Retry-After");
  if (res.status === 429 && retry) body.detail = (body.detail || "Too many requests.") + ` Try again in ${retry} s.`;
  return new ProblemError(res.status, body);
}

export async function api(method, path, body) {
  const init = { method, headers: headers(body !== undefined ? { "Content-Type": "application/json" } : {}) };
  if (body !== undefined) init.body = JSON.stringify(body);
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ProblemError(0, { detail: "Cannot reach the Segue server. Is it still running?" });
  }
  if (!res.ok) throw await problemFrom(res);
  if (res.status === 204) return null;
  return res.json();
}

// POST /v1/chat/stream: progress events (to onProgress), then the result. Falls back to POST /v1/chat without streaming.
export async function chatTurn(body, onProgress) {
  let res;
  try {
    res = await fetch("/v1/chat/stream", {
      method: "POST",
      headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new ProblemError(0, { detail: "Cannot reach the Segue server. Is it still running?" });
  }
  if (res.status === 404 || res.status === 405) return api("POST", "/v1/chat", body);
  if (!res.ok) throw await problemFrom(res);
  const type = res.headers.get("Content-Type") || "";
  if (!type.includes("text/event-stream")) return res.json();
  return readEvents(res, onProgress);
}

async function readEvents(res, onProgress) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let result = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    buffer = buffer.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (!data.length) continue;
      let payload;
      try { payload = JSON.parse(data.join("\n")); } catch (_) { continue; }
      if (event === "progress") onProgress(payload);
      else if (event === "result") result = payload;
      else if (event === "error") throw new ProblemError(payload.status || 500, payload);
    }
    if (done) break;
  }
  if (!result) throw new ProblemError(500, { detail: "The server ended the answer early. Try again." });
  return result;
}
