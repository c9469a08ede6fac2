// The clerk console: state, rings, the video call, the wrap-up and the day's attentions.
// Everything the server says arrives on one socket (common/socket.js); the call itself is
// common/call.js. The page skeleton (and its static texts) comes from templates/console.html.

import { Channel } from "/static/common/socket.js";
import { CallSession, mediaQuery, openMedia } from "/static/common/call.js";
import { t, lang, errorText, formatClock, formatSpan, formatTimer, parseTime } from "./i18n.js";
import { languageLabel, outcomeLabel, stateLabel, topicLabel } from "./labels.js";
import { Ringer } from "./ring.js";
import { deviceHandlers, deviceState, setDeviceCall } from "./devices.js";
import { loadPanels, panelFrames, panelState, setPanelsCall, setPanelsSender } from "./panels.js";
import { refreshPayments, setUpPayments } from "./payments.js";

const $ = (id) => document.getElementById(id);
const CHOOSABLE = ["available", "away", "offline"];
const NOTE_MAX = 2000;
const STORE = "finestreta.console.";

// ------------------------------------------------------------------ state
const S = {
  clerk: null,
  state: "connecting",
  reason: null,
  help: null,            // since when this clerk asks for help (ask_help), or null
  outcomes: [],
  ringTimeout: 20,
  offer: null,           // the ring frame while ringing
  offerDeadline: 0,      // performance.now() ms
  offerSeen: 0,
  answering: false,      // accept/decline sent, waiting for the answer
  call: null,            // the call_started frame while in a call
  callStartedAt: 0,      // epoch ms
  session: null,         // the call's CallSession: it keeps and applies the call's signals
  remoteState: "new",
  remotePlaying: false,
  playBlocked: false,
  muted: false,
  cameraOff: false,
  hangingUp: false,
  wrapUp: null,          // {call_id, info, ended_by, duration_s}
  wrapPending: false,
  attentions: [],
  seenCalls: null,
  queue: { waiting: 0, longest: 0, at: performance.now() },
  everOpen: false,
  connection: "connecting",
  closed: null,          // "replaced" | "logged_out" | other: this window is done
  idleAlert: "",
  view: null,
};

let channel = null;
const ringer = new Ringer({ onAudioState: () => renderSound() });

// For automated tests and the curious: the live state of the console.
window.finestreta = {};
Object.defineProperties(window.finestreta, {
  state: { get: () => S.state, enumerable: true },
  channel: { get: () => channel, enumerable: true },
  session: { get: () => S.session, enumerable: true },
  offer: { get: () => S.offer, enumerable: true },
  call: { get: () => S.call, enumerable: true },
  wrapUp: { get: () => S.wrapUp, enumerable: true },
  clerk: { get: () => S.clerk, enumerable: true },
  attentions: { get: () => S.attentions, enumerable: true },
  queue: { get: () => ({ waiting: S.queue.waiting, longest_wait_s: S.queue.longest }), enumerable: true },
  audible: { get: () => ringer.audible, enumerable: true },
  devices: { get: () => deviceState, enumerable: true },
  procedures: { get: () => panelState, enumerable: true },
});

// ------------------------------------------------------------------ small helpers
function text(id, value) {
  const el = $(id);
  const next = value === null || value === undefined ? "" : String(value);
  if (el && el.textContent !== next) el.textContent = next;
}

function list(items) {
  try {
    return new Intl.ListFormat(lang, { style: "long", type: "conjunction" }).format(items);
  } catch {
    return items.join(", ");
  }
}

function remember(callId, data) {
  try {
    const key = STORE + callId;
    const old = JSON.parse(sessionStorage.getItem(key) || "{}");
    sessionStorage.setItem(key, JSON.stringify({ ...old, ...data }));
  } catch { /* private mode: nothing to keep */ }
}

function recall(callId) {
  try { return JSON.parse(sessionStorage.getItem(STORE + callId) || "null"); } catch { return null; }
}

function forget(callId) {
  try { sessionStorage.removeItem(STORE + callId); } catch { /* ignore */ }
}

function send(frame) {
  if (channel && channel.send(frame)) return true;
  notify("error", t("No connection to the office. Try again when it is back."));
  return false;
}

// ------------------------------------------------------------------ status messages
let statusTimer = null;

function notify(kind, message, { sticky = false } = {}) {
  clearTimeout(statusTimer);
  const box = $("status");
  box.dataset.kind = message ? kind : "";
  box.querySelector("use").setAttribute("href", kind === "error" || kind === "warn" ? "#i-alert" : "#i-info");
  text("status-text", message);
  $("status-dismiss").hidden = !message;
  if (message && !sticky) {
    statusTimer = setTimeout(() => notify("", ""), kind === "error" ? 30000 : 12000);
  }
}

function setConnectionBanner(kind, message, action = null) {
  const box = $("connection-banner");
  box.dataset.kind = message ? kind : "";
  text("connection-text", message);
  const button = $("connection-action");
  button.hidden = !action;
  if (action) {
    button.textContent = action.label;
    button.onclick = action.run;
  }
}

// ------------------------------------------------------------------ rendering
function render() {
  renderHeader();
  renderHelp();
  renderQueue();
  renderStage();
}

function renderHeader() {
  const state = S.closed ? "offline" : S.state;
  const badge = $("state-badge");
  badge.dataset.state = state;
  badge.querySelector("use").setAttribute("href", `#i-${state}`);
  text("clerk-state", S.closed ? t("Not connected") : stateLabel(state));
  $("clerk-state").dataset.state = state;
  // A state the pressed button beside it already names is not written twice ("Offline"
  // twice in the header): the badge keeps its colour and icon and still announces it.
  badge.dataset.named = String(!S.closed && CHOOSABLE.includes(state));

  const locked = !S.clerk || S.closed || !CHOOSABLE.includes(S.state);
  for (const button of document.querySelectorAll("[data-choose]")) {
    button.setAttribute("aria-pressed", String(button.dataset.choose === S.state));
    button.disabled = locked;
  }
  let hint = "";
  if (S.clerk && !S.closed && !CHOOSABLE.includes(S.state)) {
    hint = t("You can change your state after the call and its wrap-up.");
  }
  text("state-lock-hint", hint);
  const control = document.querySelector(".state-control");
  if (hint) control.title = hint; else control.removeAttribute("title");
}

// The call for help (ask_help): pressed while supervisors' wallboards show it.
function renderHelp() {
  const button = $("ask-help");
  const asking = S.help !== null && S.help !== undefined;
  button.setAttribute("aria-pressed", String(asking));
  // short, the top bar is full: the check mark and aria-pressed say it is asked, the title how
  // to take it back
  button.textContent = asking ? `✓ ${t("Help")}` : t("Help");
  button.title = asking ? t("Help asked: press again to take it back") : t("Ask for help");
  button.disabled = !S.clerk || Boolean(S.closed);
}

function renderQueue() {
  const waiting = S.queue.waiting;
  text("queue-waiting", waiting);
  $("queue-summary").dataset.busy = String(waiting > 0);
  const longest = waiting > 0 ? S.queue.longest + (performance.now() - S.queue.at) / 1000 : null;
  text("queue-longest", longest === null ? "—" : formatSpan(longest));
}

// Citizens waiting whom nobody on duty can serve (the server says why): "1 waiting" alone
// left the clerk wondering why no call came.
function renderUnserved(requests) {
  const section = $("unserved-requests");
  section.hidden = !requests.length;
  text("unserved-title", t("Waiting, and nobody on duty can serve them"));
  $("unserved-list").replaceChildren(
    ...requests.map((request) => {
      const language = languageLabel(request.language);
      const topic = topicLabel(request.topic);
      const reasons = {
        language: t("nobody on duty speaks {language}", { language }),
        topic: t("nobody on duty handles {topic} in {language}", { topic, language }),
        nobody: t("no clerk is on duty"),
      };
      const item = document.createElement("li");
      item.dataset.requestId = request.request_id;
      item.dataset.reason = request.reason;
      item.textContent = t("{kiosk}: {topic}, in {language}, waiting {time}: {reason}", {
        kiosk: request.kiosk,
        topic,
        language,
        time: formatSpan(request.waited_s),
        reason: reasons[request.reason] || request.reason,
      });
      return item;
    }),
  );
}

function currentView() {
  if (S.closed) return "closed";
  if (!S.clerk) return "connecting";
  if (S.wrapUp) return "wrap";
  if (S.call) return "call";
  if (S.offer) return "ring";
  return "idle";
}

const VIEWS = {
  connecting: "view-connecting",
  idle: "view-idle",
  ring: "incoming-call",
  call: "call-view",
  wrap: "wrap-up-view",
  closed: "view-closed",
};

function renderStage() {
  const view = currentView();
  const previous = S.view;
  S.view = view;
  $("stage").dataset.view = view;
  for (const [name, id] of Object.entries(VIEWS)) $(id).hidden = name !== view;
  // In a call the right-hand column holds the procedures; otherwise the day's attentions.
  $("procedures").hidden = view !== "call";
  $("today").hidden = view === "call";

  if (view === "idle") renderIdle();
  if (view === "ring") renderRing();
  if (view === "call") renderCall();
  if (view === "wrap") renderWrap();
  if (view === "closed") renderClosed();
  if (view !== previous) moveFocus(view, previous);
}

// Focus follows the work: Accept when it rings, the outcome after a call, the heading after.
function moveFocus(view, previous) {
  const active = document.activeElement;
  const lost = !active || active === document.body || active.closest("#stage") || active.closest("[hidden]");
  if (view === "ring") {
    $("accept-call").focus();
  } else if (view === "wrap") {
    $("wrap-up-outcome").focus();
  } else if (view === "call") {
    if (lost || previous === "ring") $("call-title").focus();
  } else if (view === "closed") {
    $("closed-title").focus();
  } else if (view === "idle" && previous && previous !== "connecting" && lost) {
    $("idle-title").focus();
  }
}

function renderIdle() {
  const state = CHOOSABLE.includes(S.state) ? S.state : "available";
  const idle = $("view-idle");
  idle.dataset.state = state;
  $("idle-icon-use").setAttribute("href", `#i-${state}`);
  const copy = {
    offline: [
      t("You are offline"),
      [t("You are not receiving calls."), t("Choose Available when you are ready to attend citizens.")].join(" "),
      t("Start receiving calls"),
    ],
    available: [
      t("Waiting for calls"),
      t("You will hear a ring when a citizen asks for attention."),
      "",
    ],
    away: [
      t("You are away"),
      [t("You are not receiving calls."), t("Choose Available when you are back.")].join(" "),
      t("I am back: available"),
    ],
  }[state];
  text("idle-title", copy[0]);
  text("idle-text", copy[1]);
  text("idle-go-available-text", copy[2]);
  $("idle-go-available").hidden = !copy[2];
  text("idle-alert", S.idleAlert);
  $("sound-check").hidden = false;
  renderSound();

  if (S.clerk) {
    const langs = list((S.clerk.languages || []).map(languageLabel));
    const topics = list((S.clerk.topics || []).map(topicLabel));
    text("serves", t("You answer calls in these languages: {languages}. Topics: {topics}.", { languages: langs, topics }));
  }
}

function renderSound() {
  const on = ringer.audible;
  const line = $("sound-state");
  line.dataset.off = String(!on);
  text("sound-state", on
    ? t("The ring sound is on.")
    : t("The ring sound is off until you click somewhere on this page."));
}

function renderRing() {
  const offer = S.offer;
  const topic = topicLabel(offer.topic);
  const language = languageLabel(offer.language);
  text("ring-topic", topic);
  text("ring-language", language);
  text("ring-kiosk", offer.kiosk);
  text("ring-site", offer.site);
  text("incoming-summary", t("A citizen at {booth} is asking for attention.", { booth: offer.kiosk }));
  $("accept-call").disabled = S.answering;
  $("decline-call").disabled = S.answering;
  tickRing();
}

function callFacts(info) {
  if (!info) return [];
  const facts = [];
  if (info.topic) facts.push(topicLabel(info.topic));
  if (info.language) facts.push(languageLabel(info.language));
  if (info.kiosk) facts.push(info.site ? `${info.kiosk}, ${info.site}` : info.kiosk);
  return facts;
}

function renderCall() {
  const facts = $("call-facts");
  const parts = callFacts(S.call);
  facts.replaceChildren(...parts.flatMap((part, i) => {
    const span = document.createElement("span");
    span.textContent = part;
    if (i === 0) return [span];
    const sep = document.createElement("span");
    sep.className = "sep";
    sep.setAttribute("aria-hidden", "true");
    sep.textContent = "·";
    return [sep, span];
  }));
  renderCallControls();
  renderRemoteOverlay();
  tickCall();
}

function renderCallControls() {
  const mute = $("toggle-mute");
  mute.setAttribute("aria-pressed", String(S.muted));
  mute.querySelector("use").setAttribute("href", S.muted ? "#i-mic-off" : "#i-mic");
  const camera = $("toggle-camera");
  camera.setAttribute("aria-pressed", String(S.cameraOff));
  camera.querySelector("use").setAttribute("href", S.cameraOff ? "#i-camera-off" : "#i-camera");
  $("self-off").hidden = !S.cameraOff;
  const notes = [];
  if (S.muted) notes.push(t("Microphone muted: the citizen cannot hear you."));
  if (S.cameraOff) notes.push(t("Camera off: the citizen cannot see you."));
  text("mute-note", notes.join("\n"));
  $("hang-up").disabled = S.hangingUp;
}

function renderRemoteOverlay() {
  let message = "";
  if (S.playBlocked) {
    message = t("The browser paused the citizen's sound and video.");
  } else if (S.remoteState === "failed") {
    message = t("The video connection failed. Trying again…");
  } else if (S.remoteState === "disconnected") {
    message = t("The connection is unstable. Reconnecting…");
  } else if (!(S.remoteState === "connected" && S.remotePlaying)) {
    message = t("Connecting video…");
  }
  $("remote-overlay").hidden = !message;
  text("remote-overlay-text", message);
  $("play-remote").hidden = !S.playBlocked;
}

function renderWrap() {
  const wrap = S.wrapUp;
  const ended = {
    kiosk: t("The citizen ended the call."),
    clerk: t("You ended the call."),
    system: t("The call was cut off because the connection was lost."),
  }[wrap.ended_by] || t("The call has ended.");
  text("wrap-ended", [ended, t("Record how it went to finish the attention.")].join(" "));
  const facts = callFacts(wrap.info);
  if (wrap.duration_s !== null && wrap.duration_s !== undefined) {
    facts.push(t("Duration {time}", { time: formatSpan(wrap.duration_s) }));
  }
  text("wrap-facts", facts.join(" · "));

  const select = $("wrap-up-outcome");
  const chosen = select.value;
  const codes = S.outcomes.length ? S.outcomes : [];
  const current = [...select.options].slice(1).map((o) => o.value).join(",");
  if (current !== codes.join(",")) {
    select.length = 1;
    for (const code of codes) select.add(new Option(outcomeLabel(code), code));
    select.value = codes.includes(chosen) ? chosen : "";
  }
  select.options[0].textContent = t("Choose the outcome…");
  $("wrap-up-submit").disabled = S.wrapPending;
  renderNoteCounter(false);
}

function renderClosed() {
  const copy = {
    replaced: [
      t("The console was opened in another window"),
      t("Calls now go to the other window; this one no longer receives them."),
      t("Use this window instead"), "/console",
    ],
    logged_out: [
      t("Your session has ended"),
      t("Log in again to keep answering calls."),
      t("Log in"), "/login",
    ],
  }[S.closed] || [
    t("The console was closed"),
    t("The office closed this connection. Reload the page to continue."),
    t("Reload"), "/console",
  ];
  text("closed-title", copy[0]);
  text("closed-text", copy[1]);
  text("closed-action", copy[2]);
  $("closed-action").setAttribute("href", copy[3]);
}

// ------------------------------------------------------------------ today's attentions
function renderAttentions() {
  const body = $("attentions-body");
  const items = S.attentions;
  const fresh = new Set();
  if (S.seenCalls) for (const item of items) if (!S.seenCalls.has(item.call_id)) fresh.add(item.call_id);
  S.seenCalls = new Set(items.map((item) => item.call_id));

  const rows = items.map((item) => {
    const tr = document.createElement("tr");
    if (fresh.has(item.call_id)) tr.dataset.fresh = "true";
    const cell = (content, className) => {
      const td = document.createElement("td");
      if (className) td.className = className;
      if (content instanceof Node) td.append(content); else td.textContent = content;
      tr.append(td);
      return td;
    };
    cell(formatClock(item.started_at));
    cell(topicLabel(item.topic), "topic");
    // Narrow column: the language code on screen, its name for screen readers and on hover.
    const code = document.createElement("abbr");
    code.className = "code";
    code.title = languageLabel(item.language);
    code.textContent = String(item.language || "—").toUpperCase();
    code.setAttribute("aria-hidden", "true");
    const name = document.createElement("span");
    name.className = "visually-hidden";
    name.textContent = languageLabel(item.language);
    cell(code).append(name);
    const booth = cell(item.kiosk || "—", "booth");
    if (item.site) booth.title = item.site;
    cell(formatTimer(item.wait_s || 0), "num");
    cell(item.duration_s === null || item.duration_s === undefined ? "—" : formatTimer(item.duration_s), "num");
    if (item.outcome) {
      cell(outcomeLabel(item.outcome));
    } else {
      const pending = document.createElement("span");
      pending.className = "outcome-missing";
      pending.textContent = t("Pending");
      cell(pending);
    }
    if (item.rating) {
      const wrap = document.createElement("span");
      const stars = document.createElement("span");
      stars.className = "stars";
      stars.setAttribute("aria-hidden", "true");
      stars.textContent = "★".repeat(item.rating) + "☆".repeat(Math.max(0, 5 - item.rating));
      const words = document.createElement("span");
      words.className = "visually-hidden";
      words.textContent = t("{n} out of 5", { n: item.rating });
      wrap.append(stars, words);
      wrap.title = t("{n} out of 5", { n: item.rating });
      cell(wrap);
    } else {
      cell("—");
    }
    return tr;
  });
  body.replaceChildren(...rows);
  $("attentions-empty").hidden = items.length > 0;
  if (fresh.size) setTimeout(() => body.querySelectorAll("[data-fresh]").forEach((tr) => tr.removeAttribute("data-fresh")), 6000);

  const parts = [t("Attended: {n}", { n: items.length })];
  const durations = items.map((i) => i.duration_s).filter((d) => typeof d === "number");
  if (durations.length) {
    const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
    parts.push(t("Average duration: {time}", { time: formatSpan(mean) }));
  }
  const ratings = items.map((i) => i.rating).filter((r) => typeof r === "number");
  if (ratings.length) {
    const mean = ratings.reduce((a, b) => a + b, 0) / ratings.length;
    parts.push(t("Average rating: {n} out of 5", { n: mean.toLocaleString(lang, { maximumFractionDigits: 1 }) }));
  }
  text("today-summary", parts.join(" · "));
}

// ------------------------------------------------------------------ clock
function tickRing() {
  if (!S.offer) return;
  const now = performance.now();
  const left = Math.max(0, (S.offerDeadline - now) / 1000);
  const total = S.offer.ring_timeout_s || S.ringTimeout || 20;
  text("ring-countdown", Math.ceil(left));
  $("ring-bar").style.width = `${Math.min(100, (left / total) * 100)}%`;
  document.querySelector(".countdown").dataset.urgent = String(left <= 5);
  text("ring-waited", formatSpan((S.offer.waited_s || 0) + (now - S.offerSeen) / 1000));
}

function tickCall() {
  if (!S.call) return;
  text("call-timer", formatTimer((Date.now() - S.callStartedAt) / 1000));
  // A restarted connection may reuse the element without a new "playing" event.
  const video = $("remote-video");
  const playing = video.readyState >= 2 && !video.paused;
  if (playing !== S.remotePlaying && S.view === "call") {
    S.remotePlaying = playing;
    renderRemoteOverlay();
  }
}

setInterval(() => {
  tickRing();
  tickCall();
  renderQueue();
}, 250);

// ------------------------------------------------------------------ ringing
function showRing(frame) {
  const same = S.offer && S.offer.offer_id === frame.offer_id;
  S.offer = frame;
  S.offerSeen = performance.now();
  S.offerDeadline = S.offerSeen + (frame.expires_in_s ?? frame.ring_timeout_s ?? S.ringTimeout) * 1000;
  if (!same) S.answering = false;
  ringer.start(t("Incoming call"));
}

// keepMedia: the ring ends because the call starts, and the call takes the warm camera.
function clearRing({ keepMedia = false } = {}) {
  S.offer = null;
  S.answering = false;
  ringer.stop();
  if (!keepMedia) coolMedia();
}

// ------------------------------------------------------------------ the call
// Camera and microphone are opened while the console rings, so that an accepted call starts
// with them ready (bench/call_setup.py: opening them after the accept was most of the set-up).
// A ring that ends without a call closes them again: no camera while merely available.
let warm = null;  // { promise, cancelled }

function stopTracks(stream) {
  for (const track of stream ? stream.getTracks() : []) track.stop();
}

function warmMedia() {
  if (warm) return;
  const entry = { cancelled: false };
  entry.promise = openMedia().then((stream) => {
    if (entry.cancelled) {
      stopTracks(stream);
      return null;
    }
    return stream;
  });
  entry.promise.catch(() => {});  // reported when the call takes it
  warm = entry;
}

function coolMedia() {
  if (!warm) return;
  const entry = warm;
  warm = null;
  entry.cancelled = true;
  entry.promise.then(stopTracks, () => {});
}

function takeWarmMedia() {
  const entry = warm;
  warm = null;
  return entry ? entry.promise : openMedia();
}

async function joinCall(info, mediaKept = false) {
  setDeviceCall(info.call_id);
  setPanelsCall(info);
  if (S.session && S.session.callId === info.call_id) {
    S.call = info;
    S.session.restart(info.ice || null, mediaKept);  // we came back: start afresh (or keep it)
    return;
  }
  if (S.session) dropSession();
  S.call = info;
  S.callStartedAt = parseTime(info.started_at)?.getTime() || Date.now();
  remember(info.call_id, { info });
  S.muted = false;
  S.cameraOff = false;
  S.hangingUp = false;
  S.remoteState = "new";
  S.remotePlaying = false;
  S.playBlocked = false;
  const session = new CallSession({
    callId: info.call_id,
    role: info.role || "impolite",
    iceUrl: info.ice_url,
    ice: info.ice || null,
    send: (frame) => channel.send(frame),
    localVideo: $("local-video"),
    remoteVideo: $("remote-video"),
    onState: (state) => {
      if (S.session !== session) return;
      S.remoteState = state;
      if (S.view === "call") renderRemoteOverlay();
    },
  });
  S.session = session;

  let stream = null;
  try {
    stream = await takeWarmMedia();
  } catch (err) {
    console.warn("no camera or microphone", err);
    notify("error", [
      t("No camera or microphone: the citizen cannot see or hear you."),
      t("Check the devices and the browser permissions."),
    ].join(" "), { sticky: true });
  }
  if (S.session !== session) {
    for (const track of stream ? stream.getTracks() : []) track.stop();
    return;
  }
  try {
    await session.start(stream);
  } catch (err) {
    console.warn("call start failed", err);
    notify("error", t("The video connection could not be started."));
  }
  if (S.session !== session || session.closed) return;
  session.setMuted(S.muted);
  session.setCameraOff(S.cameraOff);
}

function dropSession() {
  if (S.session) {
    try { S.session.close(); } catch (err) { console.warn(err); }
  }
  S.session = null;
  S.remotePlaying = false;
  S.playBlocked = false;
}

function endCall(frame) {
  const info = (S.call && S.call.call_id === frame.call_id ? S.call : recall(frame.call_id)?.info) || null;
  const duration = S.call && S.call.call_id === frame.call_id ? Math.round((Date.now() - S.callStartedAt) / 1000) : null;
  dropSession();
  S.call = null;
  setDeviceCall(null);
  setPanelsCall(null);
  S.hangingUp = false;
  if (frame.wrap_up !== false) {
    S.wrapUp = { call_id: frame.call_id, info, ended_by: frame.ended_by, duration_s: duration };
    remember(frame.call_id, { ended_by: frame.ended_by, duration_s: duration });
  }
}

function showWrapUp(callId) {
  if (S.wrapUp && S.wrapUp.call_id === callId) return;
  const saved = recall(callId) || {};
  S.wrapUp = {
    call_id: callId,
    info: saved.info || null,
    ended_by: saved.ended_by || null,
    duration_s: saved.duration_s ?? null,
  };
  $("wrap-up-note").value = saved.note || "";
}

function finishWrapUp() {
  if (!S.wrapUp) return;
  forget(S.wrapUp.call_id);
  S.wrapUp = null;
  S.wrapPending = false;
  clearTimeout(wrapTimer);
  $("wrap-up-form").reset();
  $("wrap-up-outcome").removeAttribute("aria-invalid");
  text("wrap-outcome-error", "");
}

// ------------------------------------------------------------------ frames
const handlers = {
  hello(frame) {
    S.clerk = frame.clerk;
    S.state = frame.state;
    S.outcomes = frame.outcomes || [];
    S.ringTimeout = frame.ring_timeout_s || S.ringTimeout;
    text("clerk-name", frame.clerk?.name || $("clerk-name").textContent);
    setConnectionBanner("", "");

    if (frame.offer) showRing(frame.offer);
    else if (S.offer) clearRing();

    if (frame.call) {
      joinCall(frame.call, Boolean(frame.media_kept));
    } else if (S.call && frame.wrap_up && frame.wrap_up.call_id === S.call.call_id) {
      endCall({ call_id: S.call.call_id, ended_by: null });  // it ended while we were away
    } else if (S.call || S.session) {
      dropSession();
      S.call = null;
      setDeviceCall(null);
      setPanelsCall(null);
    }

    if (frame.wrap_up) showWrapUp(frame.wrap_up.call_id);
    else if (S.wrapUp) finishWrapUp();
    render();
  },

  state(frame) {
    S.state = frame.state;
    S.reason = frame.reason;
    switch (frame.reason) {
      case "missed_rings":
        S.idleAlert = [
          t("You were set to Away: several calls rang without an answer."),
          t("Choose Available when you are ready to answer."),
        ].join(" ");
        notify("warn", t("You missed several calls in a row, so you are now Away."), { sticky: true });
        break;
      case "disconnected":
        S.idleAlert = t("You were set to Offline because this console lost its connection.");
        break;
      case "chosen":
        S.idleAlert = "";
        break;
      case "supervisor":
        S.idleAlert = "";
        notify("info", frame.state === "away"
          ? t("A supervisor set you to Away.")
          : t("A supervisor set you to Available."), { sticky: true });
        break;
      case "wrapped_up":
        if (S.wrapUp) {
          finishWrapUp();
          notify("ok", frame.state === "available"
            ? t("Wrap-up saved. You are available again.")
            : t("Wrap-up saved."));
        }
        break;
      default:
        break;
    }
    if (frame.state !== "ringing" && S.offer) clearRing();
    render();
  },

  help_state(frame) {
    S.help = frame.active ? frame.since || "" : null;
    if (frame.active) notify("info", t("Help asked: press again to take it back"));
    if (!frame.active && frame.acknowledged_by) {
      notify("ok", t("{name} saw your call for help and is coming.", { name: frame.acknowledged_by }), { sticky: true });
    }
    renderHelp();
  },

  ring(frame) {
    if (["ok", "info"].includes($("status").dataset.kind)) notify("", "");
    warmMedia();
    showRing(frame);
    render();
  },

  ring_ended(frame) {
    if (!S.offer || S.offer.offer_id !== frame.offer_id) return;
    const booth = S.offer.kiosk;
    clearRing();
    if (frame.reason !== "accepted") coolMedia();
    if (frame.reason === "expired") {
      notify("warn", t("You missed a call from {booth}. It has gone back to the queue.", { booth }), { sticky: true });
    } else if (frame.reason === "withdrawn") {
      notify("info", t("The citizen at {booth} cancelled the request before you answered.", { booth }));
    } else if (frame.reason === "declined") {
      notify("info", t("Call declined. It will be offered to another clerk."));
    }
    render();
  },

  call_started(frame) {
    clearRing({ keepMedia: true });
    if ($("status").dataset.kind !== "error") notify("", "");
    if (S.wrapUp && S.wrapUp.call_id !== frame.call_id) finishWrapUp();
    joinCall(frame);
    render();
  },

  call_restart(frame) {
    if (S.session && S.session.callId === frame.call_id) {
      S.remoteState = "connecting";
      S.remotePlaying = false;
      S.session.restart();
      render();
    }
  },

  signal(frame) {
    if (S.session && S.session.callId === frame.call_id) S.session.handleSignal(frame.data);
  },

  call_ended(frame) {
    endCall(frame);
    const message = {
      kiosk: t("The citizen ended the call."),
      system: t("The call was cut off because the connection was lost."),
    }[frame.ended_by];
    if (message) notify("info", message);
    render();
  },

  attentions(frame) {
    S.attentions = frame.items || [];
    renderAttentions();
    refreshPayments();
  },

  queue_summary(frame) {
    S.queue = { waiting: frame.waiting || 0, longest: frame.longest_wait_s || 0, at: performance.now() };
    renderQueue();
    renderUnserved(Array.isArray(frame.unserved) ? frame.unserved : []);
  },

  error(frame) {
    const code = frame.code;
    if (frame.ref === "accept" || frame.ref === "decline" || code === "no_offer" || code === "offer_expired") {
      S.answering = false;
      if (code === "no_offer" || code === "offer_expired") clearRing();
    }
    if (frame.ref === "wrap_up") {
      S.wrapPending = false;
      clearTimeout(wrapTimer);
      if (code === "bad_outcome") {
        $("wrap-up-outcome").setAttribute("aria-invalid", "true");
        text("wrap-outcome-error", errorText(frame));
      }
    }
    if (frame.ref === "hang_up") S.hangingUp = false;
    notify("error", errorText(frame));
    render();
  },

  closed(frame) {
    // draining: the server restarts; the socket comes back by itself and hello resumes
    if (frame.reason === "draining") return;
    shutDown(frame.reason || "closed");
  },

  ...deviceHandlers,
};

function shutDown(reason) {
  if (S.closed) return;
  S.closed = reason;
  clearRing();
  dropSession();
  S.call = null;
  setConnectionBanner("", "");
  if (channel) channel.close();
  render();
}

function onStatus(status, code) {
  S.connection = status;
  if (S.closed) return;
  if (status === "open") {
    S.everOpen = true;
    setConnectionBanner("", "");
  } else if (status === "refused") {
    shutDown({ 4409: "replaced", 4401: "logged_out" }[code] || "closed");
  } else if (status === "closed" || (status === "connecting" && S.everOpen)) {
    setConnectionBanner("warn", S.everOpen
      ? t("Connection to the office lost. Reconnecting…")
      : t("Cannot reach the office. Trying again…"));
  }
}

// ------------------------------------------------------------------ controls
function chooseState(state) {
  ringer.unlock();
  if (!CHOOSABLE.includes(S.state) || S.state === state) return;
  send({ type: "set_state", state, ref: "set_state" });
}

for (const button of document.querySelectorAll("[data-choose]")) {
  button.addEventListener("click", () => chooseState(button.dataset.choose));
}
$("idle-go-available").addEventListener("click", () => chooseState("available"));
$("ask-help").addEventListener("click", () => {
  const asking = S.help !== null && S.help !== undefined;
  send({ type: "ask_help", active: !asking, ref: "ask_help" });
});
$("test-sound").addEventListener("click", () => {
  ringer.test();
  renderSound();
});

$("accept-call").addEventListener("click", () => {
  ringer.unlock();
  if (!S.offer || S.answering) return;
  if (send({ type: "accept", offer_id: S.offer.offer_id, ref: "accept" })) {
    S.answering = true;
    ringer.stop();
    renderRing();
  }
});

$("decline-call").addEventListener("click", () => {
  if (!S.offer || S.answering) return;
  if (send({ type: "decline", offer_id: S.offer.offer_id, ref: "decline" })) {
    S.answering = true;
    ringer.stop();
    renderRing();
  }
});

$("toggle-mute").addEventListener("click", () => {
  S.muted = !S.muted;
  if (S.session) S.session.setMuted(S.muted);
  renderCallControls();
});

$("toggle-camera").addEventListener("click", () => {
  S.cameraOff = !S.cameraOff;
  if (S.session) S.session.setCameraOff(S.cameraOff);
  renderCallControls();
});

let hangTimer = null;
$("hang-up").addEventListener("click", () => {
  if (!S.call || S.hangingUp) return;
  if (send({ type: "hang_up", call_id: S.call.call_id, ref: "hang_up" })) {
    S.hangingUp = true;
    clearTimeout(hangTimer);
    hangTimer = setTimeout(() => { S.hangingUp = false; if (S.view === "call") renderCallControls(); }, 6000);
    renderCallControls();
  }
});

const remote = $("remote-video");
remote.addEventListener("loadedmetadata", () => {
  remote.play().then(() => { S.playBlocked = false; }, () => { S.playBlocked = true; }).finally(() => {
    if (S.view === "call") renderRemoteOverlay();
  });
});
remote.addEventListener("playing", () => {
  S.remotePlaying = true;
  S.playBlocked = false;
  if (S.view === "call") renderRemoteOverlay();
});
remote.addEventListener("emptied", () => { S.remotePlaying = false; });
$("play-remote").addEventListener("click", () => {
  ringer.unlock();
  remote.play().then(() => { S.playBlocked = false; renderRemoteOverlay(); }, () => {});
});

// Wrap-up form
let wrapTimer = null;
let lastNoteAnnounce = null;

function renderNoteCounter(announce) {
  const used = $("wrap-up-note").value.length;
  text("wrap-note-used", used);
  const left = NOTE_MAX - used;
  $("wrap-note-count").dataset.near = String(left <= 100);
  const step = left <= 0 ? 0 : left <= 50 ? 50 : left <= 100 ? 100 : null;
  if (announce && step !== null && step !== lastNoteAnnounce) {
    text("wrap-note-live", t("{n} characters left", { n: Math.max(0, left) }));
  }
  lastNoteAnnounce = step;
}

$("wrap-up-note").addEventListener("input", () => {
  renderNoteCounter(true);
  if (S.wrapUp) remember(S.wrapUp.call_id, { note: $("wrap-up-note").value });
});

$("wrap-up-outcome").addEventListener("change", () => {
  if ($("wrap-up-outcome").value) {
    $("wrap-up-outcome").removeAttribute("aria-invalid");
    text("wrap-outcome-error", "");
  }
});

$("wrap-up-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!S.wrapUp || S.wrapPending) return;
  const select = $("wrap-up-outcome");
  const outcome = select.value;
  if (!outcome) {
    select.setAttribute("aria-invalid", "true");
    text("wrap-outcome-error", t("Choose the outcome of the call."));
    select.focus();
    return;
  }
  const note = $("wrap-up-note").value.trim().slice(0, NOTE_MAX);
  if (send({ type: "wrap_up", call_id: S.wrapUp.call_id, outcome, note, ref: "wrap_up" })) {
    S.wrapPending = true;
    $("wrap-up-submit").disabled = true;
    clearTimeout(wrapTimer);
    wrapTimer = setTimeout(() => {
      if (!S.wrapPending) return;
      S.wrapPending = false;
      $("wrap-up-submit").disabled = false;
      notify("error", t("The office did not confirm the wrap-up. Try again."));
    }, 8000);
  }
});

$("status-dismiss").addEventListener("click", () => notify("", ""));

// Any click or key press may unlock the ring sound.
for (const type of ["pointerdown", "keydown"]) {
  document.addEventListener(type, () => { if (!ringer.audible) ringer.unlock(); }, { capture: true });
}

// ------------------------------------------------------------------ start
ringer.unlock();  // works at once where the browser allows it; otherwise on the first click
render();
renderAttentions();
setUpPayments($("today"));
// The procedures' panels register before the socket opens, so none misses the call's start.
await loadPanels($("procedures"));
setPanelsSender((frame) => send(frame));
const routed = { ...panelFrames(), ...handlers };
channel = new Channel("/ws/console", {
  onFrame: (frame) => {
    const handler = routed[frame.type];
    if (!handler) return;
    try {
      handler(frame);
    } catch (err) {
      console.error("frame failed", frame.type, err);
    }
  },
  onStatus,
  query: () => mediaQuery(S.session),
});
