// Small DOM helpers for the console's panels (the procedures' panels use them too). Server
// strings are always set as text, never as HTML.

export const $ = (id) => document.getElementById(id);

// el("p", {className: "x", dataset: {a: "1"}}, "text", child…)
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// A panel's status line (role=status): kind "error" | "ok" | "info", or "" to clear.
export function say(id, message, kind = "error") {
  const box = $(id);
  box.dataset.kind = message ? kind : "";
  box.textContent = message || "";
}

// A <dl> of [label, value] rows, empty values left out.
export function facts(dl, rows) {
  dl.replaceChildren(...rows.filter(([, value]) => value).map(([label, value]) =>
    el("div", {}, el("dt", {}, label), el("dd", {}, value))));
}

// Text with [start, end) highlight spans from the search API, as <mark> elements.
export function highlighted(text, spans) {
  const out = document.createDocumentFragment();
  let at = 0;
  for (const [start, end] of spans || []) {
    if (start > at) out.append(text.slice(at, start));
    out.append(el("mark", {}, text.slice(start, end)));
    at = end;
  }
  out.append(text.slice(at));
  return out;
}

// 2026-03-05 → 05/03/2026
export function day(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}
