// The procedures' panels in the console: each procedure's ES module (listed by the page in
// #procedures[data-panels]) registers an object here, and the console tells every panel when a
// call starts or ends and hands it the frames it declares:
//
//   registerPanel({ name, frames: { type(frame) {…} }, onCall(info) {…}, onCallEnded() {…} })
//
// `info` is the call_started frame (call_id, language, topic…). A panel that fails is logged
// and does not stop the others (or the call). A panel sends the frames its procedure adds with
// `sendFrame(frame)` (false when the console has no connection).

const panels = [];
let current = null;  // the call_started frame of the call in progress
let sender = null;   // the console's socket, set by the console

export function setPanelsSender(send) {
  sender = send;
}

export function sendFrame(frame) {
  return sender ? sender(frame) : false;
}

function safely(panel, what, run) {
  try {
    run();
  } catch (err) {
    console.error(`panel ${panel.name || "?"}: ${what} failed`, err);
  }
}

export function registerPanel(panel) {
  panels.push(panel);
  if (current && panel.onCall) safely(panel, "onCall", () => panel.onCall(current));
}

// The console calls this with the call_started frame, or null when the call is over.
export function setPanelsCall(info) {
  const before = current ? current.call_id : null;
  current = info;
  if ((info ? info.call_id : null) === before) return;
  for (const panel of panels) {
    if (info && panel.onCall) safely(panel, "onCall", () => panel.onCall(info));
    if (!info && panel.onCallEnded) safely(panel, "onCallEnded", () => panel.onCallEnded());
  }
}

// Frame handlers the panels add: {type: handler} (the console's own handlers come first). A
// type several panels handle (a platform frame such as signature_state) goes to each of them.
export function panelFrames() {
  const lists = {};
  for (const panel of panels) {
    for (const [type, handler] of Object.entries(panel.frames || {})) {
      (lists[type] ||= []).push((frame) => safely(panel, type, () => handler(frame)));
    }
  }
  return Object.fromEntries(Object.entries(lists).map(([type, list]) =>
    [type, (frame) => { for (const handle of list) handle(frame); }]));
}

// Import every panel module the page lists (before the console's socket opens).
export async function loadPanels(root) {
  const urls = JSON.parse((root && root.dataset.panels) || "[]");
  await Promise.all(urls.map((url) => import(url).catch((err) => console.error("panel", url, err))));
  return panels;
}

export const panelState = { get panels() { return panels.map((p) => p.name); } };
