// Rendering one turn of Segue's page: the constraint panel, the report, the diff and the playlist with its why.
// Data goes in as text (textContent, createElement), never as markup.

import { $, clear, el, mmss, num, totalTime, trackLabel } from "./dom.js";

const LABELS = [
  ["genres", "genres"], ["exclude_genres", "not genres"], ["avoid_genres", "less"], ["moods", "mood"], ["activities", "for"],
  ["include_artists", "only artists"], ["exclude_artists", "not artists"], ["seed_artists", "like"],
];

function describeRange(r, unit) {
  if (!r) return null;
  const u = unit ? ` ${unit}` : "";
  const f = (x) => (Number.isInteger(x) ? String(x) : String(+x.toFixed(2)));
  if (r.min !== null && r.min !== undefined && r.max !== null && r.max !== undefined) {
    return r.min === r.max ? `${f(r.min)}${u}` : `${f(r.min)}–${f(r.max)}${u}`;
  }
  if (r.min !== null && r.min !== undefined) return `≥ ${f(r.min)}${u}`;
  if (r.max !== null && r.max !== undefined) return `≤ ${f(r.max)}${u}`;
  return null;
}

export function constraintRows(c) {
  const rows = [];
  if (!c || typeof c !== "object") return rows;
  if (c.prompt) rows.push(["request", c.prompt]);
  if (c.theme) rows.push(["theme", c.theme]);
  for (const [key, label] of LABELS) {
    if (Array.isArray(c[key]) && c[key].length) rows.push([label, c[key].join(", ")]);
  }
  const works = (list) => (list || []).map((w) => (w.artist ? `${w.title} by ${w.artist}` : w.title)).join(", ");
  if (c.seed_works && c.seed_works.length) rows.push(["like songs", works(c.seed_works)]);
  if (c.include_works && c.include_works.length) rows.push(["must include", works(c.include_works)]);
  if (c.exclude_works && c.exclude_works.length) rows.push(["leave out", works(c.exclude_works)]);
  const years = describeRange(c.years);
  if (years) rows.push(["years", years]);
  const tempo = describeRange(c.tempo, "BPM");
  if (tempo) rows.push(["tempo", tempo]);
  const tm = describeRange(c.track_minutes, "min each");
  if (tm) rows.push(["track length", tm]);
  if (c.targets) {
    const feel = Object.entries(c.targets).filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k} ~${Number(v).toFixed(2)}`);
    if (feel.length) rows.push(["feel", feel.join(", ")]);
  }
  if (c.max_per_artist) rows.push(["per artist", `at most ${c.max_per_artist}`]);
  if (c.length && c.length.minutes) rows.push(["length", `${+Number(c.length.minutes).toFixed(1)} minutes`]);
  else if (c.length && c.length.tracks) rows.push(["length", `${c.length.tracks} tracks`]);
  if (c.explicit && c.explicit !== "allow") rows.push(["explicit", c.explicit === "exclude" ? "clean only" : "explicit only"]);
  if (c.popularity && c.popularity !== "any") rows.push(["popularity", c.popularity.replace("_", " ")]);
  if (c.ordering && c.ordering.arc && c.ordering.arc !== "any") rows.push(["energy arc", c.ordering.arc]);
  if (c.ordering && c.ordering.smooth) rows.push(["transitions", "smooth"]);
  if (c.notes && c.notes.length) rows.push(["notes", c.notes.join(" · ")]);
  return rows;
}

export function renderConstraints(c) {
  const dl = $("constraints");
  clear(dl);
  const rows = constraintRows(c);
  if (!rows.length) dl.append(el("dt", { text: "—" }), el("dd", { text: "nothing yet" }));
  for (const [k, v] of rows) {
    dl.append(el("dt", { text: k }), el("dd", { text: v, "data-key": k }));
  }
  $("constraints-json").textContent = c ? JSON.stringify(c, null, 2) : "";
}

export function renderReport(report) {
  const ul = $("report");
  clear(ul);
  const summary = $("report-summary");
  summary.className = "";
  if (!report) { summary.textContent = "No report yet."; return; }
  summary.textContent = report.satisfied ? "Every constraint holds." : "Not every constraint could be met.";
  summary.className = report.satisfied ? "ok" : "bad";
  for (const check of report.checks || []) {
    ul.append(el("li", { class: check.satisfied ? "ok" : "bad" },
      el("span", { class: "mark", "aria-hidden": "true", text: check.satisfied ? "✓" : "✗" }),
      el("span", { class: "visually-hidden", text: check.satisfied ? "holds: " : "does not hold: " }),
      el("strong", { text: check.constraint }), " ", el("span", { class: "muted", text: check.detail || "" })));
  }
}

export function renderDiff(diff, version) {
  const ul = $("diff");
  clear(ul);
  const summary = $("diff-summary");
  if (!diff) { summary.textContent = "No change in this turn."; return; }
  const from = version > 1 ? `Version ${version} from ${version - 1}: ` : version === 1 ? "Version 1: " : "";
  const added = diff.added || [], removed = diff.removed || [], moved = diff.moved || [], cons = diff.constraints || [];
  const parts = [];
  if (added.length) parts.push(`${added.length} added`);
  if (removed.length) parts.push(`${removed.length} removed`);
  if (moved.length) parts.push(`${moved.length} moved`);
  parts.push(`${diff.kept || 0} kept`);
  summary.textContent = from + parts.join(", ");
  for (const change of cons) ul.append(el("li", { class: "changed", "data-kind": "constraint" }, el("span", { class: "sign", text: "≠" }), change));
  for (const t of added) ul.append(el("li", { class: "added", "data-kind": "added" }, el("span", { class: "sign", text: "+" }), trackLabel(t)));
  for (const t of removed) ul.append(el("li", { class: "removed", "data-kind": "removed" }, el("span", { class: "sign", text: "−" }), trackLabel(t)));
  for (const t of moved) {
    ul.append(el("li", { class: "moved", "data-kind": "moved" }, el("span", { class: "sign", text: "↕" }),
      `${trackLabel(t)}: ${t.before} → ${t.after}`));
  }
}

function feedbackButton(track, kind, label, symbol, onFeedback) {
  const b = el("button", { type: "button", class: `fb ${kind}`, "data-kind": kind, "data-position": track.position,
    "aria-label": `${label} ${track.title} by ${track.artist}`, title: label, "aria-pressed": "false" }, symbol);
  b.addEventListener("click", () => onFeedback(track.position, kind, b));
  return b;
}

export function renderTracks(pl, onFeedback) {
  const body = $("tracks-body");
  clear(body);
  const tracks = (pl && pl.tracks) || [];
  $("tracks-caption").textContent = tracks.length
    ? `${tracks.length} tracks, ${totalTime(pl.total_ms)}` : "No playlist yet: ask for one.";
  for (const t of tracks) {
    const row = el("tr", { "data-track-id": t.track_id, class: t.locked ? "locked" : "" },
      el("td", { class: "pos", text: t.position }),
      el("td", { class: "title", text: t.title }),
      el("td", { class: "artist", text: t.artist }),
      el("td", { class: "num", text: num(t.year) }),
      el("td", { class: "num", text: num(t.tempo) }),
      el("td", { class: "num", text: num(t.energy, 2) }),
      el("td", { class: "num", text: mmss(t.duration_ms) }),
      el("td", { class: "why", text: t.why || "" }),
      el("td", { class: "fbs" },
        feedbackButton(t, "like", "Like", "♥", onFeedback),
        feedbackButton(t, "skip", "Skip", "»", onFeedback),
        feedbackButton(t, "dislike", "Dislike", "✕", onFeedback)));
    if (t.album) row.cells[1].title = `from ${t.album}`;
    if (t.locked) row.cells[0].append(el("span", { class: "lock", title: "locked (edits keep it)", text: " •" }));
    body.append(row);
  }
}

export function usageNote(usage) {
  if (!usage || !usage.source || usage.source === "edit") return null;
  const who = usage.source === "offline" ? "read offline" : `read by ${usage.model || usage.provider || usage.source}`;
  const secs = typeof usage.seconds === "number" && usage.seconds >= 0.005 ? `, ${usage.seconds.toFixed(2)} s` : "";
  return el("p", { class: "usage muted", text: `${who}${secs}` });
}
