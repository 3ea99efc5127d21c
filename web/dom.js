// Small DOM helpers for Segue's page. Text only: everything from the server goes in through textContent.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = String(v);
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "title" || k === "type" || k === "role") {
      node.setAttribute(k, String(v));
    } else node[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function mmss(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return "";
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function totalTime(ms) {
  const min = Math.round((ms || 0) / 60000);
  return min >= 60 ? `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, "0")} min` : `${min} min`;
}

export function num(x, digits) {
  if (x === null || x === undefined || x === "") return "";
  return typeof x === "number" ? (digits === undefined ? String(Math.round(x)) : x.toFixed(digits)) : String(x);
}

export function trackLabel(t) {
  return `${t.title || t.track_id || "?"} — ${t.artist || "unknown artist"}`;
}
