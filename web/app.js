// Segue's web page: chat, the constraint panel, the playlist with per-track why, the diff of each turn,
// undo/redo, like/skip, exports and the DJ show.
// Everything from the server is data: it goes into the page through textContent and createElement only.
// An ES module (no build step): dom.js has the DOM helpers, api.js the HTTP calls, render.js a turn's panels.

import { $, clear, el } from "./dom.js";
import { ProblemError, api, chatTurn, headers, problemFrom, setToken, token } from "./api.js";
import { renderConstraints, renderDiff, renderReport, renderTracks, usageNote } from "./render.js";

const state = {
  sessionId: null,
  turn: null,       // the last TurnOut shown
  busy: false,
  djAudio: [],      // <audio> elements of the current show, played in order
  dj: true,         // whether the server has the DJ endpoints
};

// -- feedback to the person -----------------------------------------------------------------------------------
function showError(err) {
  const box = $("error");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = err instanceof ProblemError || err instanceof Error ? err.message : String(err);
  box.hidden = false;
}

function showProgress(stage) {
  $("progress").textContent = stage ? `Working: ${stage}…` : "";
}

function addLog(who, text, extra) {
  const item = el("li", { class: `msg ${who}` },
    el("span", { class: "who", text: who === "you" ? "You" : "Segue" }),
    el("p", { class: "text", text }));
  if (extra) item.append(extra);
  $("log").append(item);
  item.scrollIntoView({ block: "nearest" });
}

function setBusy(busy) {
  state.busy = busy;
  $("send").disabled = busy;
  document.body.classList.toggle("busy", busy);
  if (!busy) showProgress("");
  updateButtons();
}

async function run(action) {
  if (state.busy) return;
  showError(null);
  setBusy(true);
  try {
    await action();
  } catch (e) {
    showError(e);
  } finally {
    setBusy(false);
  }
}

function resetDj() {
  for (const a of state.djAudio) a.pause();
  state.djAudio = [];
  clear($("dj-links"));
  $("dj-status").textContent = "";
  $("dj").hidden = true;
}

function renderTurn(turn) {
  const before = state.turn;
  const shown = (t) => (t && t.playlist ? `${t.session_id}/${t.playlist.version}` : "");
  if (shown(before) !== shown(turn)) resetDj();  // a DJ show belongs to one playlist version
  state.turn = turn;
  if (turn.session_id) setSession(turn.session_id);
  const pl = turn.playlist;
  $("version").textContent = pl && pl.versions ? `version ${pl.version} of ${pl.versions}` : "";
  renderConstraints(turn.constraints);
  renderReport(turn.report);
  renderDiff(turn.diff, pl ? pl.version : 0);
  renderTracks(pl, sendFeedback);
  updateButtons();
}

function updateButtons() {
  const pl = state.turn && state.turn.playlist;
  const has = !!(pl && pl.tracks && pl.tracks.length);
  $("undo").disabled = state.busy || !(pl && pl.can_undo);
  $("redo").disabled = state.busy || !(pl && pl.can_redo);
  for (const b of document.querySelectorAll("button.export")) b.disabled = state.busy || !has;
  $("play-dj").disabled = state.busy || !has;
  $("delete-session").disabled = state.busy || !state.sessionId;
  for (const b of document.querySelectorAll("button.fb")) b.disabled = state.busy;
}

// -- actions --------------------------------------------------------------------------------------------------
function setSession(id) {
  state.sessionId = id || null;
  const want = id ? `#session=${encodeURIComponent(id)}` : "";
  if (location.hash !== want) history.replaceState(null, "", want || location.pathname);
  updateButtons();
}

async function send(message) {
  addLog("you", message);
  const turn = await chatTurn({ session_id: state.sessionId, message }, (p) => {
    if (p.session_id && !state.sessionId) setSession(p.session_id);
    showProgress(p.stage || "");
  });
  addLog("segue", turn.reply || "", usageNote(turn.usage));
  renderTurn(turn);
  refreshSessions();
}

async function step(kind) {
  if (!state.sessionId) return;
  const turn = await api("POST", `/v1/sessions/${encodeURIComponent(state.sessionId)}/${kind}`);
  addLog("segue", turn.reply || (kind === "undo" ? "Back one version." : "Forward one version."));
  renderTurn(turn);
}

function sendFeedback(position, kind, button) {
  run(async () => {
    const turn = await api("POST", `/v1/sessions/${encodeURIComponent(state.sessionId)}/feedback`, { position, kind });
    addLog("segue", turn.reply || `${kind} noted.`);
    renderTurn(turn);
    // the table was rebuilt: mark the same button in the new rows
    const again = document.querySelector(`#tracks-body button.fb.${kind}[data-position="${Number(position)}"]`);
    (again || button).setAttribute("aria-pressed", "true");
  });
}

async function exportPlaylist(format) {
  const pl = state.turn && state.turn.playlist;
  const q = pl && pl.version ? `?version=${encodeURIComponent(pl.version)}` : "";
  const path = `/v1/sessions/${encodeURIComponent(state.sessionId)}/playlist.${format}${q}`;
  let res;
  try {
    res = await fetch(path, { headers: headers() });
  } catch (_) {
    throw new ProblemError(0, { detail: "Cannot reach the Segue server. Is it still running?" });
  }
  if (!res.ok) throw await problemFrom(res);
  const blob = await res.blob();
  const name = `segue-${state.sessionId}-v${(pl && pl.version) || 0}.${format}`;
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name, class: "visually-hidden" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  const status = $("export-status");
  status.textContent = `Saved ${name} (${blob.size} bytes, ${res.headers.get("Content-Type") || "unknown type"}).`;
  status.dataset.format = format;
  status.dataset.bytes = String(blob.size);
}

async function audioSource(url) {
  // In single-user mode the server needs no token, so the <audio> element can fetch the wav itself.
  if (!token()) return url;
  const res = await fetch(url, { headers: headers() });
  if (!res.ok) throw await problemFrom(res);
  return URL.createObjectURL(await res.blob());
}

function djLink(link, audio) {
  const where = link.kind === "intro" ? "Intro" : link.kind === "outro" ? "Outro"
    : `Link${link.kind ? ` (${link.kind})` : ""}`;
  return el("li", { class: "dj-link", "data-kind": link.kind || "", "data-n": link.n },
    el("p", {}, el("strong", { text: `${where}: ` }), el("span", { text: link.text || "" })), audio);
}

function flowScore(show, script) {
  const s = show.score || {};
  if (typeof s.overall !== "number") return "";
  const given = script && script.input_score && typeof script.input_score.overall === "number"
    ? `; in the playlist's order ${script.input_score.overall.toFixed(2)}` : "";
  return ` Flow score ${s.overall.toFixed(2)} (0-1: keys, tempo steps and the energy arc${given}).`;
}

async function playDj() {
  resetDj();
  $("dj").hidden = false;
  const list = $("dj-links");
  $("dj-status").textContent = "Sequencing the set, writing and voicing the links…";
  const show = await api("POST", `/v1/sessions/${encodeURIComponent(state.sessionId)}/dj`, { every: 3, voice: null });
  const links = show.links || [];
  // the running order (links between tracks, in the show's sequenced order) is in the script; links alone otherwise
  let script = null;
  try { script = await api("GET", `/v1/shows/${encodeURIComponent(show.show_id)}/script`); } catch (_) { script = null; }
  const byN = new Map(links.map((l) => [l.n, l]));
  const order = script && Array.isArray(script.running_order) ? script.running_order
    : links.map((l) => ({ type: "link", n: l.n }));
  const audios = [];
  for (const item of order) {
    if (item.type === "track") {
      list.append(el("li", { class: "dj-track", "data-track-id": item.track_id || "" },
        el("span", { class: "muted", text: "♪ " }), item.label || item.track_id || ""));
      continue;
    }
    const link = byN.get(item.n);
    if (!link) continue;
    const audio = el("audio", { controls: true, preload: "none", "data-url": link.audio_url || "" });
    audio.setAttribute("aria-label", `DJ link ${link.n}: ${link.kind || "link"}`);
    if (link.audio_url) audio.src = await audioSource(link.audio_url);
    list.append(djLink(link, audio));
    audios.push(audio);
  }
  state.djAudio = audios;
  audios.forEach((a, i) => a.addEventListener("ended", () => {
    const next = audios[i + 1];
    if (next) next.play().catch(() => {});
  }));
  const tracks = order.filter((x) => x.type === "track").length;
  $("dj-status").textContent = `${links.length} spoken links${tracks ? ` around ${tracks} tracks, in the show's order` : ""}.`
    + flowScore(show, script) + " The links play one after another.";
  if (audios.length) audios[0].play().catch(() => { /* autoplay blocked: the controls are there */ });
}

// -- sessions -------------------------------------------------------------------------------------------------
async function refreshSessions() {
  let data;
  try { data = await api("GET", "/v1/sessions"); } catch (_) { return; }
  const select = $("sessions");
  clear(select);
  select.append(el("option", { value: "", text: "Earlier sessions…" }));
  for (const s of (data && data.sessions) || []) {
    const label = `${s.title || s.id} (${s.versions || 0} versions)`;
    select.append(el("option", { value: s.id, text: label, selected: s.id === state.sessionId }));
  }
}

async function openSession(id) {
  const s = await api("GET", `/v1/sessions/${encodeURIComponent(id)}`);
  clear($("log"));
  for (const t of s.turns || []) {
    addLog("you", t.text);
    if (t.reply) addLog("segue", t.reply);
  }
  const current = s.current || {};
  renderTurn(Object.assign({ session_id: s.id, reply: "" }, current, { session_id: s.id }));
}

function newSession() {
  state.turn = null;
  setSession(null);
  clear($("log"));
  resetDj();
  $("export-status").textContent = "";
  renderTurn({ session_id: null, constraints: null, playlist: null, diff: null, report: null });
  $("sessions").value = "";
  $("message").focus();
}

async function deleteSession() {
  if (!state.sessionId) return;
  if (!window.confirm("Delete this session and all its playlist versions?")) return;
  await api("DELETE", `/v1/sessions/${encodeURIComponent(state.sessionId)}`);
  newSession();
  await refreshSessions();
}

// The DJ is optional on a server: offer "Play DJ" only when its API lists the endpoint.
async function detectDj() {
  let paths = null;
  try {
    const res = await fetch("/openapi.json");
    if (res.ok) paths = Object.keys((await res.json()).paths || {});
  } catch (_) { paths = null; }
  state.dj = paths === null || paths.some((p) => /\/v1\/sessions\/\{[^}]+\}\/dj$/.test(p));
  $("play-dj").hidden = !state.dj;
}

async function health() {
  const line = $("health");
  try {
    const h = await api("GET", "/healthz");
    line.textContent = `${h.tracks} tracks · ${h.catalogue || "catalogue"} · understanding: ${h.llm || "offline"}`;
  } catch (e) {
    line.textContent = "";
    showError(e);
  }
}

// -- wiring ---------------------------------------------------------------------------------------------------
function init() {
  $("token").value = token();
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    setToken($("token").value.trim());
    showError(null);
    health();
    refreshSessions();
  });
  $("chat-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const message = $("message").value.trim();
    if (!message) return;
    run(async () => {
      await send(message);
      $("message").value = "";
    });
  });
  $("message").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("chat-form").requestSubmit(); }
  });
  $("undo").addEventListener("click", () => run(() => step("undo")));
  $("redo").addEventListener("click", () => run(() => step("redo")));
  for (const b of document.querySelectorAll("button.export")) {
    b.addEventListener("click", () => run(() => exportPlaylist(b.dataset.format)));
  }
  $("play-dj").addEventListener("click", () => run(playDj));
  $("new-session").addEventListener("click", newSession);
  $("delete-session").addEventListener("click", () => run(deleteSession));
  $("sessions").addEventListener("change", (e) => {
    const id = e.target.value;
    if (id) run(() => openSession(id));
  });
  renderTurn({ session_id: null, constraints: null, playlist: null, diff: null, report: null });
  health();
  detectDj();
  refreshSessions();
  const m = /^#session=([^&]+)$/.exec(location.hash);
  if (m) run(() => openSession(decodeURIComponent(m[1])));
}

document.addEventListener("DOMContentLoaded", init);
