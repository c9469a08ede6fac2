// The citizen signs on the booth's screen (platform; docs/signatures.md). On signature_show the
// pane beside the call shows the document to sign (its PDF), its title, the signer's name and
// its SHA-256 (fixed when shown: what is signed is what was shown), then a large pad: pointer
// events (finger, pen or mouse; touch-action none, pointer capture), pressure when the device
// gives it, thick smoothed ink, "Clear" to start again and "Sign" once there is ink. The strokes
// go to POST /api/booth/signatures/{request_id} (they are too large for a frame). Whoever cannot
// sign is told to say so to the clerk, who records oral consent instead (the pane then goes with
// hide_document). The first stroke is reported (POST …/started): from then on the clerk cannot
// swap the document, only withdraw it, and a withdrawal (signature_withdrawn) is said to the
// citizen before the pane goes. Markup: templates/kiosk.html (#signature); styles: kiosk.css.

import { errorText, t } from "/static/common/i18n.js";
import { booth, registerBoothModule } from "./modules.js";

const NAME = "signature";
const PATH = "/api/booth/signatures/";
const DOCUMENTS = "/api/kiosk/documents/";
const MAX_POINTS = 4800; // the server keeps at most 5,000 (signatures/strokes.py)
const MIN_STEP = 1.2; // px between two points kept: finer is noise
const INK = 5; // px: thick enough to see, whatever the hand
const HIDE_AFTER_MS = 4000; // "signed" stays this long, then the video gets the room back
// A refusal after which the pad cannot be signed any more (the clerk asks again).
const FINAL = [
  "signature_already_given", "signature_request_expired", "signature_request_withdrawn",
  "signature_request_unknown", "signature_document_changed", "signature_not_shown",
];

const $ = (id) => document.getElementById(id);

// What is on the pane: the request, the document (blob URL), the strokes drawn and the pad's
// size when they were drawn; null when nothing is.
let shown = null;
const state = { requestId: null, strokes: 0, points: 0, signed: false, error: null };

function sha256Groups(hex) {
  return String(hex).toLowerCase().match(/.{1,4}/g)?.join(" ") || "";
}

// ------------------------------------------------------------------ showing and hiding
function onShow(frame) {
  if (!booth.inCall()) return;
  const url = String(frame.url || "");
  if (!url.startsWith(DOCUMENTS) || !/^[0-9a-f]{64}$/.test(String(frame.sha256 || ""))) return;
  booth.showBeside(NAME);
  wipe();
  shown = {
    requestId: String(frame.request_id || ""),
    sha256: String(frame.sha256),
    title: String(frame.title || ""),
    signer: String(frame.signer_name || ""),
    url,
    blobUrl: null,
    strokes: [],
    current: null,
    t0: null,
    width: 0,
    height: 0,
    sending: false,
    done: false,
    started: false,
  };
  Object.assign(state, { requestId: shown.requestId, strokes: 0, points: 0, signed: false, error: null });
  $("signature").hidden = false;
  $("signature-hash").textContent = sha256Groups(shown.sha256);
  $("signature-status").textContent = "";
  $("signature-status").dataset.state = "";
  render();
  measure();
  loadDocument(shown);
  $("signature-title").focus({ preventScroll: true });
  booth.announce(t("Please read the document, then sign in the box with your finger or the pen."));
}

async function loadDocument(pane) {
  const frame = $("signature-document");
  try {
    const response = await fetch(pane.url, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const blob = new Blob([await response.blob()], { type: "application/pdf" });
    if (shown !== pane) return;
    pane.blobUrl = URL.createObjectURL(blob);
    frame.src = `${pane.blobUrl}#toolbar=0&navpanes=0&view=FitH`;
  } catch (err) {
    if (shown !== pane) return;
    console.warn("signature document", err);
    say(t("The document cannot be shown. Please tell the clerk."), "error");
  }
}

// Nothing of the document or the strokes may stay for the next citizen.
function wipe() {
  const frame = $("signature-document");
  if (frame) {
    frame.src = "about:blank";
    frame.removeAttribute("src");
  }
  if (shown && shown.blobUrl) URL.revokeObjectURL(shown.blobUrl);
  shown = null;
  Object.assign(state, { requestId: null, strokes: 0, points: 0, signed: false, error: null });
  const canvas = $("signature-pad");
  if (canvas) canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
}

function hide() {
  const wasShown = Boolean(shown) || !$("signature").hidden;
  wipe();
  $("signature").hidden = true;
  booth.hideBeside(NAME);
  return wasShown;
}

// ------------------------------------------------------------------ texts and state
function render() {
  if (!shown) return;
  $("signature-kicker").textContent = t("Document to sign");
  $("signature-doc-name").textContent = shown.title;
  $("signature-document").title = shown.title || t("Document to sign");
  $("signature-hash-label").textContent = t("Document fingerprint (SHA-256):");
  $("signature-signer").textContent = t("Signed by: {name}", { name: shown.signer });
  $("signature-pad").setAttribute(
    "aria-label", t("Signature box. Sign with your finger or the pen."),
  );
  $("signature-here").textContent = t("Sign here");
  $("signature-alternative").textContent = t("If you cannot sign, tell the clerk.");
  $("signature-clear-text").textContent = t("Clear");
  $("signature-sign-text").textContent = t("Sign");
  const ink = shown.strokes.length > 0;
  const locked = shown.sending || shown.done;
  $("signature-sign").disabled = !ink || locked;
  $("signature-clear").disabled = !ink || locked;
  $("signature-pad-box").dataset.ink = String(ink);
}

function say(message, kind) {
  const status = $("signature-status");
  status.textContent = message;
  status.dataset.state = kind || "";
}

// ------------------------------------------------------------------ the pad
function measure() {
  const canvas = $("signature-pad");
  const box = canvas.getBoundingClientRect();
  const width = Math.round(box.width);
  const height = Math.round(box.height);
  if (!shown || width < 1 || height < 1) return;
  if (shown.width && shown.strokes.length && (width !== shown.width || height !== shown.height)) {
    // the pane changed size under the ink (a rotation): the strokes keep their place in it
    const sx = width / shown.width;
    const sy = height / shown.height;
    for (const stroke of shown.strokes) for (const point of stroke) { point[0] *= sx; point[1] *= sy; }
  }
  shown.width = width;
  shown.height = height;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  redraw();
}

function redraw() {
  const canvas = $("signature-pad");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (!shown) return;
  for (const stroke of shown.strokes) drawStroke(context, stroke, 0);
}

// Quadratic curves through the midpoints: smooth ink from jittery samples. From ``from`` on
// (the points added since the last frame), so a long stroke is not redrawn on every move.
function drawStroke(context, stroke, from) {
  context.strokeStyle = "#0d1a59";
  context.fillStyle = "#0d1a59";
  context.lineCap = "round";
  context.lineJoin = "round";
  if (stroke.length === 1) {
    const [x, y, , p] = stroke[0];
    context.beginPath();
    context.arc(x, y, width(p) / 2, 0, 2 * Math.PI);
    context.fill();
    return;
  }
  for (let i = Math.max(1, from); i < stroke.length; i += 1) {
    const a = stroke[i - 1];
    const b = stroke[i];
    const before = stroke[i - 2] || a;
    context.lineWidth = width((a[3] + b[3]) / 2);
    context.beginPath();
    context.moveTo((before[0] + a[0]) / 2, (before[1] + a[1]) / 2);
    context.quadraticCurveTo(a[0], a[1], (a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
    context.stroke();
  }
}

const width = (pressure) => INK * (0.7 + 0.6 * pressure);

function pointOf(event, box) {
  // a mouse reports 0.5 while pressed; a finger may report 0 or 1: keep what is given
  const pressure = event.pressure > 0 ? Math.min(1, event.pressure) : 0.5;
  const now = performance.now();
  if (shown.t0 === null) shown.t0 = now;
  return [
    Math.round((event.clientX - box.left) * 10) / 10,
    Math.round((event.clientY - box.top) * 10) / 10,
    Math.max(0, Math.round(now - shown.t0)),
    Math.round(pressure * 100) / 100,
  ];
}

function onDown(event) {
  if (!shown || shown.sending || shown.done || shown.current) return;
  if (event.pointerType === "mouse" && event.button !== 0) return;
  event.preventDefault();
  const canvas = $("signature-pad");
  canvas.setPointerCapture(event.pointerId);
  if (state.points >= MAX_POINTS) {
    say(t("The signature is too long. Please clear it and sign again."), "error");
    return;
  }
  const box = canvas.getBoundingClientRect();
  shown.current = { id: event.pointerId, stroke: [pointOf(event, box)] };
  shown.strokes.push(shown.current.stroke);
  state.strokes = shown.strokes.length;
  state.points += 1;
  drawStroke(canvas.getContext("2d"), shown.current.stroke, 0);
  if (shown.strokes.length === 1) render();
  if (!shown.started) reportStarted(shown);
}

// The first stroke, once per pane: the server then keeps the document as it is until the clerk
// withdraws it. A failure changes nothing here (the post of the strokes has the last word).
async function reportStarted(pane) {
  pane.started = true;
  try {
    const response = await fetch(`${PATH}${encodeURIComponent(pane.requestId)}/started`, {
      method: "POST",
      credentials: "same-origin",
    });
    if (!response.ok) console.warn("signature started", response.status);
  } catch (err) {
    console.warn("signature started", err);
  }
}

// The clerk withdrew the document: the strokes go at once, the citizen is told why, then the
// pane goes too.
function onWithdrawn(frame) {
  const pane = shown;
  if (!pane || pane.requestId !== String(frame.request_id || "")) return;
  pane.done = true;
  pane.strokes = [];
  pane.current = null;
  Object.assign(state, { strokes: 0, points: 0, error: "signature_request_withdrawn" });
  redraw();
  render();
  say(errorText({ code: "signature_request_withdrawn" }), "error");
  $("signature-status").focus({ preventScroll: true });
  setTimeout(() => {
    if (shown === pane) {
      hide();
      booth.focusCall();
    }
  }, HIDE_AFTER_MS);
}

function onMove(event) {
  if (!shown || !shown.current || shown.current.id !== event.pointerId) return;
  event.preventDefault();
  const canvas = $("signature-pad");
  const box = canvas.getBoundingClientRect();
  const stroke = shown.current.stroke;
  const from = stroke.length;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  for (const each of events.length ? events : [event]) {
    const point = pointOf(each, box);
    const last = stroke[stroke.length - 1];
    if (Math.hypot(point[0] - last[0], point[1] - last[1]) < MIN_STEP) continue;
    if (state.points >= MAX_POINTS) break;
    // inside the box: a finger sliding past the edge leaves its mark at the edge
    point[0] = Math.min(Math.max(point[0], 0), shown.width);
    point[1] = Math.min(Math.max(point[1], 0), shown.height);
    stroke.push(point);
    state.points += 1;
  }
  if (stroke.length > from) drawStroke(canvas.getContext("2d"), stroke, from);
}

function onUp(event) {
  if (!shown || !shown.current || shown.current.id !== event.pointerId) return;
  shown.current = null;
  if (state.points >= MAX_POINTS) say(t("The signature is too long. Please clear it and sign again."), "error");
  render();
}

function clear() {
  if (!shown || shown.sending || shown.done) return;
  shown.strokes = [];
  shown.current = null;
  shown.t0 = null;
  Object.assign(state, { strokes: 0, points: 0, error: null });
  say("", "");
  measure();
  render();
  booth.announce(t("The box is empty. You can sign again."));
  $("signature-pad-box").focus({ preventScroll: true });
}

async function sign() {
  const pane = shown;
  if (!pane || pane.sending || pane.done || !pane.strokes.length) return;
  pane.sending = true;
  render();
  say(t("Sending your signature…"), "busy");
  const body = {
    document_sha256: pane.sha256,
    width: pane.width,
    height: pane.height,
    strokes: pane.strokes,
  };
  let answer = null;
  try {
    const response = await fetch(PATH + encodeURIComponent(pane.requestId), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    answer = await response.json().catch(() => null);
    if (!response.ok) throw (answer && answer.error) || { code: "internal", message: `HTTP ${response.status}` };
  } catch (error) {
    if (shown !== pane) return;
    pane.sending = false;
    const code = error && error.code;
    state.error = code || "network";
    pane.done = FINAL.includes(code);
    render();
    say(code ? errorText(error) : t("The signature could not be sent. Please try again."), "error");
    $("signature-status").focus({ preventScroll: true });
    return;
  }
  if (shown !== pane) return;
  pane.sending = false;
  pane.done = true;
  state.signed = true;
  render();
  say(t("Signed. Thank you."), "done");
  $("signature-status").focus({ preventScroll: true });
  setTimeout(() => {
    if (shown === pane) {
      hide();
      booth.focusCall();
    }
  }, HIDE_AFTER_MS);
}

// ------------------------------------------------------------------ wiring
function wire() {
  const canvas = $("signature-pad");
  if (!canvas) return;
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("pointercancel", onUp);
  canvas.addEventListener("lostpointercapture", onUp);
  $("signature-clear").addEventListener("click", clear);
  $("signature-sign").addEventListener("click", sign);
  if (window.ResizeObserver) new ResizeObserver(() => measure()).observe(canvas);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
else wire();

registerBoothModule({
  name: NAME,
  frames: { signature_show: onShow, signature_withdrawn: onWithdrawn },
  onLanguage() { render(); },
  onHide() { hide(); },
  onCallEnded() { hide(); },
  state,
});
