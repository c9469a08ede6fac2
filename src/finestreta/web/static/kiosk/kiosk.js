// The booth: language → privacy notice → topic → waiting in the queue → video call → rating →
// thanks → back to idle, clearing everything of the session. The server is the truth: every
// "hello" (first connection or reconnection) says whether a request or a call is still alive, and
// the booth follows it. Protocol: docs/protocol.md and finestreta/realtime/hub.py.
// The information catalogue (catalogue.js) is open to the citizen from the idle and closed
// screens and while waiting (the queue strip keeps their place in sight). What procedures show
// during a call (an entry of the catalogue the clerk shows, …) is their booth modules'
// (modules.js): the booth hands them the frames it does not know, and lends them a pane beside
// the video, which the clerk's documents use too.

import { Channel } from "/static/common/socket.js";
import { CallSession, mediaQuery, openMedia } from "/static/common/call.js";
import { errorText, loadTexts, setLanguage, t, textsLoaded } from "/static/common/i18n.js";
import { LABELS, PROMPTS, TEXTS } from "./texts.js";
import { describeHours } from "./hours.js";
import { createCatalogue } from "./catalogue.js";
import "./signature.js"; // the pad beside the call (a platform booth module)
import {
  lendBooth, loadBoothModules, moduleFrame, moduleStates, modulesCallEnded, modulesHide, modulesLanguage,
} from "./modules.js";

// The citizen chooses among these on the booth itself: every language's texts come at once.
const LANGUAGES = ["ca", "es", "en"];
const DEFAULT_LANGUAGE = "ca";
const SCREENS = ["idle", "privacy", "topic", "waiting", "call", "left", "rating", "thanks", "closed", "unavailable", "catalogue"];
// The topics the office serves: the server renders one button each (from its procedures).
const TOPICS = [...document.querySelectorAll(".topic")].map((button) => button.dataset.topic);
const STILL_THERE_SECONDS = 30;
const THANKS_SECONDS = 6;
const ANNOUNCE_GAP_MS = 20000; // queue positions are announced at most this often
const BANNER_DELAY_MS = 1500; // a short blip does not flash the "Reconnecting" banner
const NOTICE_MS = 10000;
const MEDIA_TIMEOUT_MS = 10000;
const TEXTS_RETRY_MS = 15000;
const COLLECT_PROMPT_MS = 15000; // "collect your document" goes away by itself
const ZOOM_STEPS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4]; // 1 = fit the document to its area
const DOCUMENT_TYPES = ["application/pdf", "image/png", "image/jpeg"];
const DOCUMENT_PATH = "/api/kiosk/documents/";

const $ = (id) => document.getElementById(id);

const state = {
  screen: "idle",
  lang: DEFAULT_LANGUAGE,
  chosen: false, // the citizen picked a language in this session
  privacyAccepted: false,
  topic: null,
  requestId: null,
  requesting: false, // a request went out, or the server told us of a live one
  queue: null, // the last queue frame of our request
  callId: null,
  clerkName: "",
  callState: "new",
  media: null, // {audio, video} once known for the call
  micOff: false,
  cameraOff: false,
  office: { open: true, hours: [] },
  idleResetS: 90,
  channel: null,
  session: null, // the call's CallSession: it keeps and applies the call's signals
  stream: null,
  mediaPromise: null,
  mediaToken: 0,
  // protocol bookkeeping that survives a reset (no personal data): sent when the socket is back
  pendingCancel: false,
  pendingHangUp: null,
  pendingRate: null,
  prompt: null, // {code, jobId, source}: what the booth asks while the clerk scans or prints
  doc: null, // {id, title, type, url}: the document the clerk shows on the booth screen
  zoom: 1,
  catalogueFrom: "idle", // the screen the catalogue was opened from
};

const timers = { idle: 0, thanks: 0, still: 0, notice: 0, banner: 0, announce: 0, prompt: 0, settle: 0 };
// The second tap of a double tap comes 100–300 ms after the first: a screen that has just
// appeared lets taps through to nothing for this long, so that it does not land on the control
// the new screen has under the finger ("Request attention", "Castellano" on the idle screen).
const SETTLE_MS = 600;
const REOPENED_IDLE_S = 15;
let lastAnnounceAt = 0;
let pendingAnnouncement = null;

// ---------------------------------------------------------------- exposed for tests
window.finestreta = {
  get screen() { return state.screen; },
  get channel() { return state.channel; },
  get session() { return state.session; },
  get lang() { return state.lang; },
  get requestId() { return state.requestId; },
  get callId() { return state.callId; },
  get catalogue() { return { view: catalogue.view, query: catalogue.query, category: catalogue.category, slug: catalogue.slug }; },
  get modules() { return moduleStates(); },
};

const catalogue = createCatalogue({ lang: () => state.lang, back: catalogueBack, talk: talkToClerk });

// The citizen has a live request (waiting or being rung for) and is on its screen or browsing
// the catalogue meanwhile: their place is kept either way.
function waitingHere() {
  return state.screen === "waiting" || (state.screen === "catalogue" && state.requesting);
}

// ---------------------------------------------------------------- texts
function applyTexts() {
  for (const el of document.querySelectorAll("[data-t]")) {
    const entry = TEXTS[el.dataset.t];
    if (entry) el.textContent = entry(el.dataset.tLang || state.lang);
  }
  // Texts the server put on the page as English ids (the procedures' topics, in their domains).
  for (const el of document.querySelectorAll("[data-msgid]")) {
    el.textContent = el.dataset.msgid ? t(el.dataset.msgid, null, el.dataset.tLang || state.lang) : "";
  }
  for (const el of document.querySelectorAll("[data-t-label]")) {
    const entry = LABELS[el.dataset.tLabel];
    if (entry) el.setAttribute("aria-label", entry(state.lang));
  }
  $("remote-video").setAttribute("aria-label", LABELS["remote-video"](state.lang));
  $("local-video").setAttribute("aria-label", LABELS["local-video"](state.lang));
  const skip = document.querySelector(".skip-link");
  if (skip) skip.textContent = TEXTS.skip(state.lang);
  document.title = `${t("City hall video attention")} · Finestreta`;
}

function setLang(lang) {
  state.lang = setLanguage(LANGUAGES.includes(lang) ? lang : DEFAULT_LANGUAGE);
  document.documentElement.lang = state.lang;
  applyTexts();
  renderAll();
}

// ---------------------------------------------------------------- screens
function show(name, { focus = true } = {}) {
  const changed = state.screen !== name;
  state.screen = name;
  for (const screen of SCREENS) $(`screen-${screen}`).hidden = screen !== name;
  document.body.dataset.screen = name;
  if (changed) settle($(`screen-${name}`));
  if (name !== "waiting") closeStillThere();
  if (name !== "thanks") clearTimeout(timers.thanks);
  render(name);
  if (focus && changed) {
    window.scrollTo(0, 0);
    const heading = [...document.querySelectorAll(`#screen-${name} h1`)].find((h) => h.getClientRects().length);
    if (heading) heading.focus({ preventScroll: true });
  }
  armIdleTimer();
}

function settle(screen) {
  for (const other of document.querySelectorAll(".screen.settling")) other.classList.remove("settling");
  screen.classList.add("settling");
  clearTimeout(timers.settle);
  timers.settle = setTimeout(() => screen.classList.remove("settling"), SETTLE_MS);
}

function render(name) {
  if (name === "topic") renderTopic();
  else if (name === "waiting") renderWaiting();
  else if (name === "call") renderCall();
  else if (name === "closed") renderClosed();
  else if (name === "rating") renderRating();
  else if (name === "catalogue") renderCatalogue();
}

function renderAll() {
  renderTopic();
  renderWaiting();
  renderCall();
  renderClosed();
  renderPrompt();
  renderDocument();
  renderCatalogue();
  modulesLanguage(state.lang);
}

// Back to the start, clearing everything the session showed or held.
function resetToIdle() {
  for (const key of ["idle", "thanks", "still", "notice", "announce"]) {
    clearTimeout(timers[key]);
    clearInterval(timers[key]);
  }
  closeStillThere();
  endCall();
  releaseMedia();
  catalogue.reset();
  Object.assign(state, {
    catalogueFrom: "idle",
    chosen: false,
    privacyAccepted: false,
    topic: null,
    requestId: null,
    requesting: false,
    queue: null,
    callId: null,
    clerkName: "",
    callState: "new",
    media: null,
    micOff: false,
    cameraOff: false,
  });
  pendingAnnouncement = null;
  $("announcer").textContent = "";
  hideNotice();
  $("topic-error").textContent = "";
  for (const id of ["queue-position", "queue-wait", "waiting-topic-name", "waiting-title", "call-title",
    "call-status", "self-state", "call-media-notice", "closed-title", "closed-text"]) {
    $(id).textContent = "";
  }
  for (const button of document.querySelectorAll(".rate")) button.setAttribute("aria-checked", "false");
  const remote = $("remote-video");
  remote.srcObject = null;
  remote.muted = false;
  $("local-video").srcObject = null;
  setLang(DEFAULT_LANGUAGE);
  show(state.office.open === false ? "closed" : "idle");
}

// ---------------------------------------------------------------- idle and language
function chooseLanguage(lang) {
  setLang(lang);
  state.chosen = true;
  if (state.office.open === false) show("closed");
  else show("privacy");
}

// ---------------------------------------------------------------- topic
function topicName(code) {
  const name = code && document.getElementById(`topic-${code}-name`);
  return name && name.dataset.msgid ? t(name.dataset.msgid) : "";
}

function renderTopic() {
  for (const button of document.querySelectorAll(".topic")) {
    const checked = button.dataset.topic === state.topic;
    button.setAttribute("aria-checked", String(checked));
  }
  rovingTabindex(".topic", state.topic ? `#topic-${state.topic}` : null);
  const request = $("request-attention");
  if (state.topic) request.removeAttribute("aria-disabled");
  else request.setAttribute("aria-disabled", "true");
}

function rovingTabindex(selector, currentSelector) {
  const items = [...document.querySelectorAll(selector)];
  const current = (currentSelector && document.querySelector(currentSelector)) || items[0];
  for (const item of items) item.tabIndex = item === current ? 0 : -1;
}

function chooseTopic(topic) {
  if (!TOPICS.includes(topic)) return;
  state.topic = topic;
  $("topic-error").textContent = "";
  renderTopic();
}

function requestAttention() {
  if (!state.topic) {
    $("topic-error").textContent = t("First choose what your query is about.");
    return;
  }
  if (state.office.open === false) {
    show("closed");
    return;
  }
  // The socket is opened once the texts are in (at most 3 s after the page loads): a tap
  // before that gets the same answer as a lost connection, never a silent failure.
  const sent = state.channel
    ? state.channel.send({ type: "request_attention", language: state.lang, topic: state.topic })
    : false;
  if (!sent) {
    $("topic-error").textContent = t("The booth has no connection right now. Wait a moment and try again.");
    return;
  }
  $("topic-error").textContent = "";
  state.requesting = true;
  state.requestId = null;
  state.queue = null;
  show("waiting");
}

// ---------------------------------------------------------------- waiting
function formatWait(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return t("Not known yet");
  const s = Number(seconds);
  if (s < 60) return t("Less than a minute");
  const minutes = Math.round(s / 60);
  if (minutes <= 1) return t("About 1 minute");
  if (minutes > 60) return t("More than an hour");
  return t("About {n} minutes", { n: minutes });
}

function positionSentence(position) {
  if (position <= 1) return t("You are next in the queue.");
  return t("You are number {n} in the queue.", { n: position });
}

function renderWaiting() {
  const section = $("screen-waiting");
  const q = state.queue;
  const mode = !q ? "joining" : q.state === "ringing" ? "ringing" : "waiting";
  section.dataset.state = mode;
  renderQueueStrip();
  if (state.screen !== "waiting" && !state.requesting) return;
  $("waiting-title").textContent =
    mode === "joining" ? t("Joining the queue…") : mode === "ringing" ? t("A clerk is being called") : t("You are in the queue");
  $("waiting-topic-name").textContent = topicName(state.topic);
  $("queue-panel").hidden = mode === "ringing";
  $("ringing-panel").hidden = mode !== "ringing";
  const position = $("queue-position");
  if (q && Number.isFinite(q.position)) {
    position.textContent = String(q.position);
  } else {
    position.replaceChildren(Object.assign(document.createElement("span"), { textContent: "…", ariaHidden: "true" }));
  }
  $("queue-next").hidden = !(q && q.position === 1 && mode === "waiting");
  $("queue-wait").textContent = q ? formatWait(q.estimated_wait_s) : "…";
  renderUnserved(mode === "waiting" ? q : null);
}

const LANGUAGE_NAMES = { ca: "Català", es: "Castellano", en: "English" };

// Nobody on duty can serve the request (the server says why, and what could be served now):
// said plainly instead of "Not known yet", with the languages or topics that can be served.
function renderUnserved(q) {
  const box = $("unserved");
  const reason = q && q.unserved;
  box.hidden = !reason;
  box.dataset.reason = reason || "";
  if (!reason) return;
  let text;
  let offer = "";
  const options = [];
  if (reason === "language") {
    text = t("Nobody who speaks {language} is available now.", { language: LANGUAGE_NAMES[state.lang] || state.lang });
    for (const lang of q.languages || []) {
      if (!LANGUAGES.includes(lang) || lang === state.lang) continue;
      options.push({ label: t("Continue in {language}", { language: LANGUAGE_NAMES[lang] }, lang), lang, language: lang, topic: state.topic });
    }
    if (options.length) offer = t("You can keep your query and continue in another language:");
  } else if (reason === "topic") {
    text = t("Nobody who handles “{topic}” is available now.", { topic: topicName(state.topic) });
    for (const topic of q.topics || []) {
      if (!TOPICS.includes(topic) || topic === state.topic) continue;
      options.push({ label: topicName(topic), language: state.lang, topic });
    }
    if (options.length) offer = t("You can ask about another topic instead:");
  } else {
    text = t("No clerk is available now. You can keep waiting, or come back later.");
  }
  if ($("unserved-text").textContent !== text) $("unserved-text").textContent = text;
  $("unserved-offer").textContent = offer;
  $("unserved-offer").hidden = !offer;
  const key = JSON.stringify(options.map((o) => [o.language, o.topic, o.label]));
  const list = $("unserved-options");
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(
    ...options.map((option) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn primary";
      button.dataset.language = option.language;
      button.dataset.topic = option.topic;
      if (option.lang) button.lang = option.lang;
      button.textContent = option.label;
      button.addEventListener("click", () => switchRequest(option.language, option.topic));
      return button;
    }),
  );
}

// A request nobody can serve is asked again in a language or topic someone can: the old one
// is cancelled and a new one queued (its request_ended is not news to the citizen).
function switchRequest(language, topic) {
  if (!state.channel || !state.requestId) return;
  const old = state.requestId;
  if (!state.channel.send({ type: "cancel", request_id: old })) return;
  state.switchedFrom = old;
  if (language !== state.lang) setLang(language);
  state.topic = topic;
  state.requestId = null;
  state.queue = null;
  state.channel.send({ type: "request_attention", language, topic });
  renderWaiting();
}

function onQueue(frame) {
  if (!waitingHere()) return; // a late frame after a cancel or a call
  const previous = state.queue;
  state.requestId = frame.request_id || state.requestId;
  state.requesting = true;
  state.queue = frame;
  if (frame.state === "ringing") {
    acquireMedia(); // ready before the clerk picks up
  } else if (previous && previous.state === "ringing" && !state.session) {
    releaseMedia(); // the clerk did not answer: no camera while waiting
  }
  renderWaiting();
  announceQueue(previous, frame);
}

function announceQueue(previous, frame) {
  if (frame.state === "ringing") {
    if (!previous || previous.state !== "ringing") {
      pendingAnnouncement = null;
      clearTimeout(timers.announce);
      timers.announce = 0;
      announce(t("A clerk is being called. Please stay in front of the screen."));
    }
    return;
  }
  if (!previous || previous.position !== frame.position || previous.state !== frame.state) {
    pendingAnnouncement = () => positionSentence(frame.position);
    const wait = lastAnnounceAt + ANNOUNCE_GAP_MS - Date.now();
    if (wait <= 0) flushAnnouncement();
    else if (!timers.announce) timers.announce = setTimeout(flushAnnouncement, wait);
  }
}

function flushAnnouncement() {
  timers.announce = 0;
  if (!pendingAnnouncement || !waitingHere()) return;
  const message = pendingAnnouncement();
  pendingAnnouncement = null;
  announce(message);
}

function announce(message) {
  const region = $("announcer");
  region.textContent = "";
  lastAnnounceAt = Date.now();
  setTimeout(() => { region.textContent = message; }, 60);
}

function cancelRequest() {
  const frame = { type: "cancel" };
  if (state.requestId) frame.request_id = state.requestId;
  if (!state.channel.send(frame)) state.pendingCancel = true;
  resetToIdle();
}

function onRequestEnded(frame) {
  if (!waitingHere()) return;
  if (frame.request_id && frame.request_id === state.switchedFrom) return; // switchRequest
  if (state.requestId && frame.request_id && frame.request_id !== state.requestId) return;
  releaseMedia();
  state.requestId = null;
  state.requesting = false;
  state.queue = null;
  show("topic");
  showNotice(t("Your request has ended. If you still need help, you can request attention again."));
}

// "Are you still there?": asked on the waiting screen after idle_reset_s without a touch.
function openStillThere() {
  const dialog = $("still-there");
  if (dialog.open) return;
  clearTimeout(timers.idle);
  let left = STILL_THERE_SECONDS;
  $("still-there-text").textContent =
    t("If nobody touches the screen, we will cancel your request in {n} seconds.", { n: STILL_THERE_SECONDS });
  $("still-there-count").textContent = String(left);
  dialog.showModal();
  $("keep-waiting").focus();
  clearInterval(timers.still);
  timers.still = setInterval(() => {
    left -= 1;
    $("still-there-count").textContent = String(Math.max(0, left));
    if (left <= 0) {
      closeStillThere();
      if (state.screen === "waiting") cancelRequest();
    }
  }, 1000);
}

function closeStillThere() {
  clearInterval(timers.still);
  const dialog = $("still-there");
  if (dialog.open) dialog.close();
}

function keepWaiting() {
  closeStillThere();
  armIdleTimer();
  if (state.screen === "waiting") $("waiting-title").focus({ preventScroll: true });
}

// ---------------------------------------------------------------- the catalogue, self-service
function openCatalogue(from) {
  state.catalogueFrom = from;
  show("catalogue");
  catalogue.open();
}

// "Back" from the catalogue's list: to the queue while waiting (the search is kept for coming
// back), otherwise to where the citizen started, clearing what they searched.
function catalogueBack() {
  if (state.requesting) {
    show("waiting");
    return;
  }
  catalogue.reset();
  if (state.office.open === false || state.catalogueFrom === "closed") show("closed");
  else resetToIdle();
}

function talkToClerk() {
  if (state.requesting || state.office.open === false) return;
  catalogue.reset();
  state.chosen = true;
  show(state.privacyAccepted ? "topic" : "privacy");
}

function renderCatalogue() {
  const canTalk = !state.requesting && state.office.open !== false;
  for (const button of document.querySelectorAll("#screen-catalogue .talk")) button.hidden = !canTalk;
  // the language of a request is chosen: it is not switched while waiting
  $("catalogue-langs").hidden = state.requesting;
  renderLanguageSwitches();
  renderQueueStrip();
  catalogue.render();
}

// While the citizen browses, their place in the queue stays on screen, one tap from the queue.
function renderQueueStrip() {
  const strip = $("queue-strip");
  strip.hidden = !state.requesting;
  if (!state.requesting) return;
  const q = state.queue;
  const mode = !q ? "joining" : q.state === "ringing" ? "ringing" : "waiting";
  strip.dataset.state = mode;
  let place;
  let wait = "";
  if (mode === "joining") {
    place = t("Joining the queue…");
  } else if (mode === "ringing") {
    place = t("A clerk is being called");
    wait = t("Please stay in front of the screen: the call will start by itself in a moment.");
  } else {
    place = Number(q.position) <= 1
      ? t("You are next")
      : t("Your place in the queue: {n}", { n: q.position });
    wait = t("Estimated wait: {time}", { time: formatWait(q.estimated_wait_s) });
  }
  if ($("strip-place").textContent !== place) $("strip-place").textContent = place;
  if ($("strip-wait").textContent !== wait) $("strip-wait").textContent = wait;
}

// ---------------------------------------------------------------- media
function stopStream(stream) {
  if (!stream) return;
  for (const track of stream.getTracks()) track.stop();
}

async function getMedia() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null;
  try {
    return await openMedia(); // camera + microphone, or microphone only
  } catch {
    // neither worked together: try the camera alone
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } } });
  } catch {
    return null;
  }
}

// Camera and microphone for the call; resolves to a stream or null (then the booth joins anyway).
function acquireMedia() {
  if (state.stream) return Promise.resolve(state.stream);
  if (state.mediaPromise) return state.mediaPromise;
  const token = ++state.mediaToken;
  const attempt = getMedia();
  const timeout = new Promise((resolve) => { setTimeout(() => resolve("timeout"), MEDIA_TIMEOUT_MS); });
  state.mediaPromise = Promise.race([attempt, timeout]).then((result) => {
    let stream = result;
    if (result === "timeout") {
      attempt.then(stopStream); // too late to be used: never leave the camera on
      stream = null;
    }
    if (token !== state.mediaToken) {
      stopStream(stream); // released meanwhile
      return null;
    }
    state.stream = stream;
    return stream;
  });
  return state.mediaPromise;
}

function releaseMedia() {
  state.mediaToken += 1;
  state.mediaPromise = null;
  stopStream(state.stream);
  state.stream = null;
}

// ---------------------------------------------------------------- call
async function startCall(call) {
  closeStillThere();
  const existing = state.session;
  if (existing && existing.callId === call.call_id) {
    // Our socket came back during the call: the clerk starts a fresh connection, so do we
    // (unless the server kept the media: the connection we have goes on).
    existing.restart(call.ice || null, Boolean(call.media_kept));
    if (state.screen !== "call") show("call");
    return;
  }
  endCall();
  Object.assign(state, {
    callId: call.call_id,
    requestId: call.request_id || state.requestId,
    clerkName: (call.clerk && call.clerk.name) || "",
    requesting: false,
    queue: null,
    callState: "new",
    media: null,
    micOff: false,
    cameraOff: false,
  });
  const session = new CallSession({
    callId: call.call_id,
    role: call.role || "polite",
    iceUrl: call.ice_url || `/api/calls/${call.call_id}/ice`,
    ice: call.ice || null,
    send: (frame) => state.channel.send(frame),
    localVideo: $("local-video"),
    remoteVideo: $("remote-video"),
    onState: (connectionState) => {
      if (state.session !== session) return;
      state.callState = connectionState;
      renderCall();
    },
  });
  state.session = session;
  show("call");

  const stream = await acquireMedia();
  if (state.session !== session) return; // ended while the camera was starting
  state.media = {
    audio: !!stream && stream.getAudioTracks().length > 0,
    video: !!stream && stream.getVideoTracks().length > 0,
  };
  sendMediaStatus();
  renderCall();
  try {
    await session.start(stream); // without ICE servers if their configuration cannot be had
  } catch (err) {
    console.warn("call start failed", err);
  }
}

function onSignal(frame) {
  const session = state.session;
  if (session && frame.call_id === session.callId) session.handleSignal(frame.data);
}

function onCallRestart(frame) {
  const session = state.session;
  if (session && frame.call_id === session.callId) session.restart(); // the clerk starts over
}

function endCall() {
  const session = state.session;
  state.session = null;
  if (session) session.close();
  clearPrompt();
  clearDocument();
  modulesCallEnded();
  $("remote-sound").hidden = true;
  $("remote-placeholder").hidden = false;
}

function hangUp() {
  const callId = state.callId;
  if (!callId) return;
  if (!state.channel.send({ type: "hang_up", call_id: callId })) state.pendingHangUp = callId;
  finishCall();
}

function finishCall() {
  endCall();
  releaseMedia();
  state.callId = null;
  show("rating");
}

function onCallStarted(frame) {
  if (!waitingHere() && !(state.session && state.session.callId === frame.call_id)) {
    // Nobody is waiting at the booth any more (the request was being cancelled): end it politely.
    state.channel.send({ type: "hang_up", call_id: frame.call_id });
    return;
  }
  startCall(frame);
}

function onCallEnded(frame) {
  if (!state.callId || frame.call_id !== state.callId) return;
  state.requestId = frame.request_id || state.requestId;
  if (frame.rejoin) {
    // The clerk left (logged out): say so at once, and offer another clerk, first in the queue.
    endCall();
    releaseMedia();
    state.callId = null;
    show("left");
    return;
  }
  finishCall();
}

// The clerk's console shows whether the booth has a camera and a microphone, and whether the
// citizen turned them off (black video or silence is then no fault).
function sendMediaStatus() {
  if (!state.media) return;
  state.channel.send({
    type: "media_status", camera: state.media.video, microphone: state.media.audio,
    muted: state.micOff, camera_off: state.cameraOff, ref: "media_status",
  });
}

function toggleMute() {
  if (!state.session) return;
  state.micOff = !state.micOff;
  state.session.setMuted(state.micOff);
  sendMediaStatus();
  renderCall();
}

function toggleCamera() {
  if (!state.session) return;
  state.cameraOff = !state.cameraOff;
  state.session.setCameraOff(state.cameraOff);
  sendMediaStatus();
  renderCall();
}

function renderCall() {
  if (!state.callId) return;
  $("call-title").textContent = state.clerkName
    ? t("You are talking with {name}", { name: state.clerkName })
    : t("You are talking with a clerk");
  let status;
  if (state.callState === "connected") status = t("Connected");
  else if (state.callState === "disconnected" || state.callState === "failed") {
    status = t("The connection is unstable. Trying to recover it…");
  } else status = t("Connecting…");
  if ($("call-status").textContent !== status) $("call-status").textContent = status;
  $("remote-placeholder").textContent = t("Waiting for the image…");

  const media = state.media;
  const notice = $("call-media-notice");
  let message = "";
  if (media && !media.audio && !media.video) {
    message = t("The camera and the microphone are not available: you will see and hear the clerk, but they will not see or hear you.");
  } else if (media && !media.video) {
    message = t("Your camera is not available: the clerk will hear you but will not see you.");
  } else if (media && !media.audio) {
    message = t("Your microphone is not available: the clerk will see you but will not hear you.");
  }
  notice.textContent = message;
  notice.hidden = !message;

  const mute = $("toggle-mute");
  mute.hidden = !!media && !media.audio;
  mute.setAttribute("aria-pressed", String(state.micOff));
  const camera = $("toggle-camera");
  camera.hidden = !!media && !media.video;
  camera.setAttribute("aria-pressed", String(state.cameraOff));

  const self = document.querySelector(".self");
  const noVideo = !!media && !media.video;
  self.dataset.off = String(state.cameraOff || noVideo);
  const states = [];
  if (noVideo) states.push(t("No camera"));
  else if (state.cameraOff) states.push(t("Camera off"));
  if (media && !media.audio) states.push(t("No microphone"));
  else if (state.micOff) states.push(t("Microphone off"));
  $("self-state").textContent = states.join("\n");
}

function onRemotePlaying() {
  $("remote-placeholder").hidden = true;
}

async function playRemote() {
  const video = $("remote-video");
  if (!video.srcObject) return;
  try {
    await video.play();
  } catch (err) {
    if (err && err.name === "NotAllowedError") {
      // Autoplay with sound refused (no touch since the page loaded): play muted, ask for a tap.
      video.muted = true;
      try { await video.play(); } catch { /* nothing more to try */ }
      $("remote-sound").hidden = false;
    }
  }
}

function unmuteRemote() {
  const video = $("remote-video");
  video.muted = false;
  video.play().catch(() => {});
  $("remote-sound").hidden = true;
}

// ---------------------------------------------------------------- scanner and printer prompts
function onDevicePrompt(frame) {
  const code = frame.prompt || null;
  if (!code) {
    const current = state.prompt;
    // the end of another job must not clear the prompt of the one still running
    if (current && frame.job_id && current.jobId && frame.job_id !== current.jobId) return;
    clearPrompt();
    return;
  }
  if (!PROMPTS[code] || !state.callId) return;
  // confirm: the scan waits until the citizen says the document is in place.
  const confirm = Boolean(frame.confirm && frame.job_id);
  state.prompt = { code, jobId: frame.job_id || null, source: frame.source || null, confirm };
  clearTimeout(timers.prompt);
  timers.prompt = 0;
  if (code === "collect_printout") timers.prompt = setTimeout(clearPrompt, COLLECT_PROMPT_MS);
  renderPrompt();
}

function clearPrompt() {
  clearTimeout(timers.prompt);
  timers.prompt = 0;
  state.prompt = null;
  renderPrompt();
}

function renderPrompt() {
  const box = $("device-prompt");
  const prompt = state.prompt;
  const message = prompt ? PROMPTS[prompt.code](prompt.source) : "";
  if (prompt) box.dataset.prompt = prompt.code;
  else box.removeAttribute("data-prompt");
  box.hidden = !prompt;
  const text = $("device-prompt-text");
  if (text.textContent !== message) text.textContent = message;
  const ready = $("scan-ready");
  const wasShown = !ready.hidden;
  ready.hidden = !(prompt && prompt.confirm);
  if (!ready.hidden && !wasShown) ready.focus({ preventScroll: true });
}

function scanReady() {
  const prompt = state.prompt;
  if (!prompt || !prompt.confirm || !state.channel) return;
  if (state.channel.send({ type: "scan_ready", job_id: prompt.jobId })) {
    prompt.confirm = false;  // the scan starts: "keep the document still" follows
    renderPrompt();
    $("device-prompt-text").focus({ preventScroll: true });  // the button is gone
  }
}

// ---------------------------------------------------------------- documents shown by the clerk
function onShowDocument(frame) {
  if (!state.callId) return;
  const url = String(frame.url || "");
  const type = String(frame.media_type || "");
  if (!url.startsWith(DOCUMENT_PATH) || !DOCUMENT_TYPES.includes(type)) return;
  clearDocument();
  modulesHide(); // one thing at a time beside the call
  const title = String(frame.title || "").trim();
  const doc = { id: String(frame.document_id || ""), title, type, url, blobUrl: null };
  state.doc = doc;
  state.zoom = 1;
  let content;
  if (type === "application/pdf") {
    content = document.createElement("iframe");
    content.className = "doc-content doc-pdf";
  } else {
    content = document.createElement("img");
    content.className = "doc-content doc-image";
    content.addEventListener("load", layoutDocument);
  }
  content.id = "shown-document-content";
  $("shown-document-view").replaceChildren(content);
  renderDocument();
  announce(t("The clerk is showing you a document: {title}", { title: title || t("Document") }));
  loadDocument(doc, content);
}

// The bytes come with the booth's cookie and stay in memory only (a blob: URL, revoked when the
// document goes away): nothing in the browser's cache, and a PDF may be framed by the booth page
// although the server forbids framing its own responses.
async function loadDocument(doc, content) {
  try {
    const response = await fetch(doc.url, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const blob = new Blob([await response.blob()], { type: doc.type });
    if (state.doc !== doc) return; // hidden or replaced meanwhile
    doc.blobUrl = URL.createObjectURL(blob);
    // FitH: the page as wide as the pane (a whole A4 page in a wide pane was thumbnail-sized)
    content.src = doc.type === "application/pdf" ? `${doc.blobUrl}#toolbar=0&navpanes=0&view=FitH` : doc.blobUrl;
  } catch (err) {
    if (state.doc !== doc) return;
    console.warn("document", doc.id, err);
    const message = document.createElement("p");
    message.className = "doc-error";
    message.textContent = t("The document cannot be shown. Please tell the clerk.");
    $("shown-document-view").replaceChildren(message);
  }
}

// Removes the document and unloads it: nothing of it may stay for the next citizen.
function clearDocument() {
  const view = $("shown-document-view");
  for (const el of view.querySelectorAll("img, iframe")) {
    if (el.tagName === "IFRAME") el.src = "about:blank";
    el.removeAttribute("src");
  }
  view.replaceChildren();
  view.scrollTo(0, 0);
  if (state.doc && state.doc.blobUrl) URL.revokeObjectURL(state.doc.blobUrl);
  state.doc = null;
  state.zoom = 1;
  renderDocument();
}

function renderDocument() {
  const doc = state.doc;
  const box = $("shown-document");
  box.hidden = !doc;
  $("call-body").dataset.document = String(!!doc);
  if (doc) box.dataset.documentId = doc.id;
  else box.removeAttribute("data-document-id");
  const name = doc ? doc.title || t("Document") : "";
  if ($("shown-document-name").textContent !== name) $("shown-document-name").textContent = name;
  const content = $("shown-document-content");
  if (content && content.tagName === "IMG") content.alt = name;
  else if (content) content.title = name;
  const index = ZOOM_STEPS.indexOf(state.zoom);
  $("zoom-out").setAttribute("aria-disabled", String(index <= 0));
  $("zoom-in").setAttribute("aria-disabled", String(index >= ZOOM_STEPS.length - 1));
  if (doc) layoutDocument();
}

// Images are sized by hand (the pane's width × zoom: a page is read down, the pane scrolls); a
// PDF's frame grows with the zoom and Chromium's viewer fits the page's width to it. The area
// scrolls when the document is bigger than it.
function layoutDocument() {
  const content = $("shown-document-content");
  const view = $("shown-document-view");
  if (!content || !state.doc) return;
  const width = view.clientWidth;
  const height = view.clientHeight;
  if (!width || !height) return;
  if (content.tagName === "IMG") {
    if (!content.naturalWidth || !content.naturalHeight) return;
    const scale = (width / content.naturalWidth) * state.zoom;
    content.style.width = `${Math.max(1, Math.round(content.naturalWidth * scale))}px`;
    content.style.height = `${Math.max(1, Math.round(content.naturalHeight * scale))}px`;
  } else {
    content.style.width = `${Math.round(width * state.zoom)}px`;
    content.style.height = `${Math.round(height * state.zoom)}px`;
  }
}

function zoom(step) {
  if (!state.doc) return;
  const index = ZOOM_STEPS.indexOf(state.zoom);
  const next = step === 0 ? 1 : ZOOM_STEPS[Math.min(ZOOM_STEPS.length - 1, Math.max(0, index + step))];
  if (next === state.zoom) return;
  const view = $("shown-document-view");
  // keep the middle of what the citizen looks at in the middle
  const cx = (view.scrollLeft + view.clientWidth / 2) / Math.max(1, view.scrollWidth);
  const cy = (view.scrollTop + view.clientHeight / 2) / Math.max(1, view.scrollHeight);
  state.zoom = next;
  renderDocument();
  view.scrollLeft = cx * view.scrollWidth - view.clientWidth / 2;
  view.scrollTop = cy * view.scrollHeight - view.clientHeight / 2;
}

// ---------------------------------------------------------------- rating and thanks
function renderRating() {
  rovingTabindex(".rate", null);
}

function rate(rating) {
  if (state.screen !== "rating") return;
  for (const button of document.querySelectorAll(".rate")) {
    button.setAttribute("aria-checked", String(Number(button.dataset.rating) === rating));
  }
  if (state.requestId) {
    const frame = { type: "rate", request_id: state.requestId, rating };
    if (!state.channel.send(frame)) state.pendingRate = frame;
  }
  showThanks();
}

function showThanks() {
  show("thanks");
  clearTimeout(timers.thanks);
  timers.thanks = setTimeout(() => {
    if (state.screen === "thanks") resetToIdle();
  }, THANKS_SECONDS * 1000);
}

// ---------------------------------------------------------------- office hours
function renderClosed() {
  const open = state.office.open !== false;
  $("closed-title").textContent = open ? t("The service is open again") : t("The service is closed now");
  $("closed-text").textContent = open
    ? t("You can continue with your request now.")
    : t("Video attention is available only during opening hours. Please come back later.");
  $("closed-continue").hidden = !(open && state.chosen);
  const list = $("closed-hours");
  const rows = describeHours(state.office.hours, state.lang);
  list.replaceChildren();
  if (!rows.length) {
    const row = document.createElement("div");
    const dd = document.createElement("dd");
    dd.textContent = t("No opening hours have been set.");
    const dt = document.createElement("dt");
    dt.textContent = t("Opening hours");
    dt.className = "sr-only";
    row.append(dt, dd);
    list.append(row);
  }
  for (const { days, times } of rows) {
    const row = document.createElement("div");
    const dt = document.createElement("dt");
    dt.textContent = days;
    const dd = document.createElement("dd");
    dd.textContent = times;
    row.append(dt, dd);
    list.append(row);
  }
  renderLanguageSwitches();
}

function renderLanguageSwitches() {
  for (const button of document.querySelectorAll("[data-switch-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.switchLang === state.lang));
  }
}

function onOffice(frame) {
  state.office = { open: frame.open !== false, hours: Array.isArray(frame.hours) ? frame.hours : [] };
  if (!state.office.open) {
    if (["idle", "privacy", "topic"].includes(state.screen)) show("closed");
    else if (state.screen === "closed") renderClosed();
  } else if (state.screen === "closed") {
    if (state.chosen) {
      renderClosed();
      armIdleTimer(); // "open again" waits a short while for a tap, not the full idle reset
    } else show("idle");
  }
  if (state.screen === "catalogue") renderCatalogue(); // "talk to a clerk" comes and goes
}

// ---------------------------------------------------------------- notices and errors
function showNotice(message) {
  const notice = $("notice");
  notice.textContent = message;
  notice.hidden = false;
  clearTimeout(timers.notice);
  timers.notice = setTimeout(hideNotice, NOTICE_MS);
}

function hideNotice() {
  const notice = $("notice");
  notice.hidden = true;
  notice.textContent = "";
}

// The citizen reads the server catalogue's text for a code (/i18n/errors/kiosk.json, in the
// booth's language), or its general "something went wrong" (the code internal's).
function onError(frame) {
  if (frame.ref === "media_status") return; // informative only; an older server may not know it
  switch (frame.code) {
    case "closed":
      state.requesting = false;
      state.requestId = null;
      state.queue = null;
      if (state.screen !== "call") show("closed");
      break;
    case "already_requested":
      showNotice(errorText(frame));
      state.requesting = true;
      if (!waitingHere() && state.screen !== "call") show("waiting");
      resync();
      break;
    case "no_request":
      if (waitingHere()) {
        releaseMedia();
        state.requesting = false;
        state.requestId = null;
        state.queue = null;
        show("topic");
        showNotice(errorText(frame));
      }
      break;
    case "rate_limited":
      showNotice(errorText(frame));
      break;
    case "no_call":
    case "not_rateable":
    case "no_job": // the clerk started the scan just before the citizen's tap: nothing to say
      console.info("booth:", frame.code, frame.message); // stale frames around the end of a call
      break;
    default:
      console.warn("booth error", frame);
      if (!["idle", "unavailable"].includes(state.screen)) {
        showNotice(errorText(frame)); // the catalogue's citizen text, or its general one (internal)
      }
  }
}

// Ask the server for the truth again: a new connection gets a fresh "hello".
function resync() {
  const ws = state.channel && state.channel.ws;
  if (ws && ws.readyState === WebSocket.OPEN) ws.close();
}

function showUnavailable() {
  closeStillThere();
  endCall();
  releaseMedia();
  catalogue.reset();
  for (const key of ["idle", "thanks", "still", "announce"]) clearTimeout(timers[key]);
  clearBanner();
  show("unavailable");
}

// ---------------------------------------------------------------- connection
function onStatus(status) {
  if (status === "open") {
    clearBanner();
  } else if (status === "refused") {
    showUnavailable();
  } else if (!timers.banner) {
    timers.banner = setTimeout(() => {
      if (state.screen !== "unavailable") $("connection-text").hidden = false;
    }, BANNER_DELAY_MS);
  }
}

function clearBanner() {
  clearTimeout(timers.banner);
  timers.banner = 0;
  $("connection-text").hidden = true;
}

function onHello(frame) {
  const idle = Number(frame.idle_reset_s);
  if (idle > 0) state.idleResetS = idle;
  if (state.pendingRate) {
    state.channel.send(state.pendingRate);
    state.pendingRate = null;
  }
  const { request, call } = frame;
  if (call) {
    if (state.pendingHangUp === call.call_id || state.pendingCancel) {
      state.channel.send({ type: "hang_up", call_id: call.call_id }); // the citizen has left
      state.pendingHangUp = null;
      state.pendingCancel = false;
      return;
    }
    state.pendingCancel = false;
    state.pendingHangUp = null;
    if (!state.session || state.session.callId !== call.call_id) {
      if (request && request.language) setLang(request.language);
      state.topic = (request && request.topic) || state.topic;
      state.chosen = true;
    }
    startCall({
      ...call,
      request_id: call.request_id || (request && request.request_id),
      media_kept: frame.media_kept,
    });
    return;
  }
  state.pendingHangUp = null;
  if (request) {
    if (state.pendingCancel) {
      state.channel.send({ type: "cancel", request_id: request.request_id });
      state.pendingCancel = false;
      return;
    }
    if (state.session) {
      endCall();
      releaseMedia();
    }
    const here = waitingHere(); // browsing the catalogue meanwhile is fine
    if (!here || (state.requestId && state.requestId !== request.request_id)) {
      state.queue = null;
    }
    if (request.language && request.language !== state.lang) setLang(request.language);
    Object.assign(state, {
      topic: request.topic || state.topic,
      requestId: request.request_id,
      requesting: true,
      chosen: true,
      callId: null,
    });
    if (!here) show("waiting");
    else renderWaiting();
    return;
  }
  state.pendingCancel = false;
  if (waitingHere() || state.screen === "call") resetToIdle(); // the server ended it
}

function onFrame(frame) {
  switch (frame.type) {
    case "hello": onHello(frame); break;
    case "office": onOffice(frame); break;
    case "queue": onQueue(frame); break;
    case "request_ended": onRequestEnded(frame); break;
    case "call_started": onCallStarted(frame); break;
    case "call_restart": onCallRestart(frame); break;
    case "signal": onSignal(frame); break;
    case "call_ended": onCallEnded(frame); break;
    case "device_prompt": onDevicePrompt(frame); break;
    case "show_document": onShowDocument(frame); break;
    case "hide_document": clearDocument(); modulesHide(); break;
    case "rated": break;
    case "error": onError(frame); break;
    // draining: the server restarts and the socket comes back by itself (the call and the
    // place are kept); the others mean this booth page is done
    case "closed": if (frame.reason !== "draining") showUnavailable(); break;
    default: moduleFrame(frame); break; // a frame a procedure's booth module handles
  }
}

// ---------------------------------------------------------------- inactivity
function armIdleTimer() {
  clearTimeout(timers.idle);
  if (["idle", "call", "thanks", "unavailable"].includes(state.screen)) return;
  if ($("still-there").open) return;
  if (state.screen === "closed" && !state.chosen && state.lang === DEFAULT_LANGUAGE) return;
  // Whoever was told "closed" has most likely walked away: the "open again" screen goes back
  // to the start soon (it took the full idle reset, 90 s, before), unless someone taps.
  const reopened = state.screen === "closed" && state.office.open !== false;
  const seconds = reopened ? Math.min(state.idleResetS, REOPENED_IDLE_S) : state.idleResetS;
  timers.idle = setTimeout(onInactive, seconds * 1000);
}

function onInactive() {
  if (state.screen === "waiting") openStillThere();
  else if (waitingHere()) { // browsing while waiting: back to the place, and ask
    show("waiting");
    openStillThere();
  } else if (!["idle", "call", "thanks", "unavailable"].includes(state.screen)) resetToIdle();
}

// ---------------------------------------------------------------- wiring
function radioKeys(selector, event, { select }) {
  const keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: "first", End: "last" };
  const move = keys[event.key];
  if (move === undefined) return;
  const items = [...document.querySelectorAll(selector)].filter((el) => !el.hidden);
  const index = items.indexOf(document.activeElement);
  if (index < 0) return;
  event.preventDefault();
  let next;
  if (move === "first") next = items[0];
  else if (move === "last") next = items[items.length - 1];
  else next = items[(index + move + items.length) % items.length];
  for (const item of items) item.tabIndex = item === next ? 0 : -1;
  next.focus();
  if (select) select(next);
}

function wire() {
  for (const lang of LANGUAGES) $(`lang-${lang}`).addEventListener("click", () => chooseLanguage(lang));
  $("privacy-back").addEventListener("click", resetToIdle);
  $("privacy-accept").addEventListener("click", () => {
    state.privacyAccepted = true;
    show(state.office.open === false ? "closed" : "topic");
  });
  for (const button of document.querySelectorAll(".topic")) {
    button.addEventListener("click", () => chooseTopic(button.dataset.topic));
  }
  document.querySelector(".topics").addEventListener("keydown", (event) =>
    radioKeys(".topic", event, { select: (el) => chooseTopic(el.dataset.topic) }));
  $("topic-back").addEventListener("click", () => show("privacy"));
  $("request-attention").addEventListener("click", requestAttention);
  $("cancel-request").addEventListener("click", cancelRequest);

  $("toggle-mute").addEventListener("click", toggleMute);
  $("toggle-camera").addEventListener("click", toggleCamera);
  $("hang-up").addEventListener("click", hangUp);
  $("scan-ready").addEventListener("click", scanReady);
  const remote = $("remote-video");
  remote.addEventListener("playing", onRemotePlaying);
  remote.addEventListener("loadedmetadata", playRemote);
  remote.addEventListener("emptied", () => { $("remote-placeholder").hidden = false; });
  $("remote-sound").addEventListener("click", unmuteRemote);
  $("zoom-in").addEventListener("click", () => zoom(1));
  $("zoom-out").addEventListener("click", () => zoom(-1));
  $("zoom-fit").addEventListener("click", () => zoom(0));
  if (window.ResizeObserver) new ResizeObserver(() => layoutDocument()).observe($("shown-document-view"));
  else window.addEventListener("resize", layoutDocument);

  for (const button of document.querySelectorAll(".rate")) {
    button.addEventListener("click", () => rate(Number(button.dataset.rating)));
  }
  document.querySelector(".rating").addEventListener("keydown", (event) => radioKeys(".rate", event, {}));
  $("rate-skip").addEventListener("click", showThanks);
  $("thanks-done").addEventListener("click", resetToIdle);
  $("left-again").addEventListener("click", requestAttention); // the same language and topic
  $("left-finish").addEventListener("click", () => show("rating"));

  $("closed-continue").addEventListener("click", () => show(state.privacyAccepted ? "topic" : "privacy"));
  for (const button of document.querySelectorAll("[data-switch-lang]")) {
    button.addEventListener("click", () => {
      const changed = button.dataset.switchLang !== state.lang;
      setLang(button.dataset.switchLang);
      state.chosen = true;
      armIdleTimer();
      if (changed && state.screen === "catalogue") catalogue.languageChanged();
    });
  }
  $("idle-catalogue").addEventListener("click", () => openCatalogue("idle"));
  $("closed-catalogue").addEventListener("click", () => openCatalogue("closed"));
  $("waiting-catalogue").addEventListener("click", () => openCatalogue("waiting"));
  $("strip-back").addEventListener("click", () => show("waiting"));

  const dialog = $("still-there");
  $("keep-waiting").addEventListener("click", keepWaiting);
  $("still-cancel").addEventListener("click", () => {
    closeStillThere();
    cancelRequest();
  });
  dialog.addEventListener("cancel", (event) => { // Escape
    event.preventDefault();
    keepWaiting();
  });
  dialog.addEventListener("pointerdown", (event) => {
    if (event.target === dialog) keepWaiting(); // a touch outside the box: someone is there
  });

  // Any touch, click or key counts as someone being there.
  for (const type of ["pointerdown", "keydown", "touchstart"]) {
    document.addEventListener(type, () => {
      if (!dialog.open) armIdleTimer();
    }, { capture: true, passive: true });
  }
  // A long press must not open the browser's menu on the booth.
  document.addEventListener("contextmenu", (event) => event.preventDefault());
}

// What the procedures' booth modules may ask of the booth (modules.js: booth).
function lend() {
  lendBooth({
    language: () => state.lang,
    inCall: () => Boolean(state.callId),
    announce,
    clearDocument,
    layout: (besideShown) => { $("call-body").dataset.pane = String(besideShown); },
    focusCall: () => { if (state.screen === "call") $("call-title").focus({ preventScroll: true }); },
    send: (frame) => Boolean(state.channel && state.channel.send(frame)),
  });
}

async function boot() {
  wire();
  lend();
  await loadBoothModules($("main")); // before the socket: no module misses a frame
  const tables = { texts: "/i18n/kiosk.json", errors: "/i18n/errors/kiosk.json" };
  const texts = loadTexts(tables);
  await Promise.race([texts, new Promise((resolve) => { setTimeout(resolve, 3000); })]);
  // A citizen quick enough to tap before the texts arrived (a language, or "look up
  // information") stays where the tap took them.
  if (!state.chosen && state.screen === "idle") {
    setLang(DEFAULT_LANGUAGE);
    show("idle", { focus: false });
  }
  state.channel = new Channel("/ws/kiosk", {
    onFrame: (frame) => {
      try {
        onFrame(frame);
      } catch (err) {
        console.error("booth frame failed", frame && frame.type, err);
      }
    },
    onStatus,
    query: () => mediaQuery(state.session),
  });
  // Texts missing (server restarting?): keep the English ids on screen and try again later.
  const retry = async () => {
    if (!textsLoaded() && !(await loadTexts(tables))) {
      setTimeout(retry, TEXTS_RETRY_MS);
      return;
    }
    applyTexts();
    renderAll();
  };
  texts.then((ok) => (ok ? (applyTexts(), renderAll()) : setTimeout(retry, TEXTS_RETRY_MS)));
}

boot();
