// The works notice's console panel: the guided questionnaire (the decision shown as it forms),
// then within scope the citizen identified, the address checked against the street register,
// the notice shown on the booth to be signed; outside scope the procedure that applies instead
// and its information sheet printed at the booth. HTTP: this procedure's routes.py and the
// platform's signature routes (oral consent).

import { api } from "/static/common/api.js";
import { $, el, facts, say } from "/static/console/dom.js";
import { t } from "/static/common/i18n.js";
import { errorText, printOutcome } from "/static/console/i18n.js";
import { registerPanel } from "/static/console/panels.js";
import { createSignatureBox } from "/static/console/signature.js";

const P = {
  callId: null,
  citizenLang: "ca",
  answers: {},        // question id → value, in the order asked
  questions: [],
  decision: null,
  street: null,       // {code, name, district} chosen from the register
  streetSeq: 0,
  streetTimer: null,
  requestId: null,    // the signature request of the draft on the booth
  outcome: null,
  busy: false,
};

// The platform's signature box: waiting / signed, withdraw, the citizen's oral consent.
const signatureBox = createSignatureBox({ procedure: "works", idPrefix: "works-signature" });
$("works-signing").append(signatureBox.element);

const callPath = (rest) => `/api/calls/${encodeURIComponent(P.callId)}${rest}`;
const works = (rest) => callPath(`/works${rest}`);

// ------------------------------------------------------------------ 1. the questionnaire
async function decide() {
  let body;
  try {
    body = await api(works("/decide"), { json: { answers: P.answers, lang: P.citizenLang } });
  } catch (err) {
    say("works-message", errorText(err));
    return;
  }
  show(body);
}

function show(body) {
  P.questions = body.questions;
  P.answers = body.answers;
  P.decision = body.decision;
  renderQuestions(body.next);
  renderDecision();
}

function renderQuestions(next) {
  const asked = P.questions.filter((q) => q.id in P.answers || q.id === next);
  const nodes = asked.map((q) => {
    const box = el("fieldset", { className: "works-question", dataset: { question: q.id } },
      el("legend", {}, q.text));
    for (const option of q.options) {
      const input = el("input", { type: "radio", name: `works-q-${q.id}`, value: option.value });
      input.checked = P.answers[q.id] === option.value;
      input.addEventListener("change", () => setAnswer(q.id, option.value));
      box.append(el("label", {}, input, ` ${option.label}`));
    }
    return box;
  });
  $("works-questions").replaceChildren(...nodes);
}

function setAnswer(id, value) {
  // A changed answer drops the ones after it: which questions follow depends on it.
  const kept = {};
  for (const q of P.questions) {
    if (q.id === id) break;
    if (q.id in P.answers) kept[q.id] = P.answers[q.id];
  }
  kept[id] = value;
  P.answers = kept;
  decide();
}

function renderDecision() {
  const box = $("works-decision");
  const decision = P.decision;
  box.textContent = decision ? decision.message : "";
  box.dataset.within = decision ? (decision.within_scope ? "yes" : "no") : "";
  $("works-instead").hidden = !(decision && decision.sheet);
  const within = Boolean(decision && decision.within_scope);
  $("works-identify-form").hidden = !within;
  $("works-notice-form").hidden = !within;
  if (within) loadScans();
}

async function printSheet() {
  if (P.busy) return;
  P.busy = true;
  try {
    const answer = await api(works("/sheet"), { json: { lang: P.citizenLang } });
    const outcome = printOutcome(answer, t("The information sheet of “{title}” was sent to the booth's printer.", { title: answer.title }));
    say("works-message", outcome.text, outcome.kind);
  } catch (err) {
    say("works-message", errorText(err));
  } finally {
    P.busy = false;
  }
}

// ------------------------------------------------------------------ 2. identify
async function loadScans() {
  if (!P.callId) return;
  let scans = [];
  try {
    const body = await api(callPath("/documents"));
    scans = body.documents.filter((doc) => doc.kind === "scan" || doc.kind === "upload");
  } catch (err) {
    say("works-message", errorText(err));
    return;
  }
  const select = $("works-id-scan");
  const chosen = select.value;
  select.replaceChildren(...scans.slice().reverse().map((doc) => el("option", { value: doc.document_id }, doc.title)));
  if (!scans.length) select.append(el("option", { value: "" }, t("No scan yet: scan the ID first")));
  if (chosen) select.value = chosen;
  const ticked = new Set([...document.querySelectorAll("#works-scans input:checked")].map((i) => i.value));
  $("works-scans").replaceChildren(...scans.map((doc) => {
    const box = el("input", { type: "checkbox", value: doc.document_id });
    box.checked = ticked.has(doc.document_id);
    return el("label", {}, box, ` ${doc.title}`);
  }));
  $("works-scans-box").hidden = !scans.length;
}

function onMethod() {
  $("works-id-scan-label").hidden = !$("works-method-scan").checked;
}

async function identify(event) {
  event.preventDefault();
  const payload = {
    id_type: $("works-id-type").value,
    number: $("works-id-number").value.trim(),
    name: $("works-name").value.trim(),
    method: $("works-method-scan").checked ? "id_scanned" : "id_on_camera",
  };
  if (payload.method === "id_scanned") payload.scan_document_id = $("works-id-scan").value || null;
  try {
    const body = await api(works("/identify"), { json: payload });
    $("works-who").textContent = t("Identified: {name} ({number})", { name: body.citizen.name, number: body.citizen.number });
    say("works-message", "");
  } catch (err) {
    $("works-who").textContent = "";
    say("works-message", errorText(err));
  }
}

// ------------------------------------------------------------------ 3. the address and the notice
function scheduleStreets() {
  P.street = null;
  clearTimeout(P.streetTimer);
  P.streetTimer = setTimeout(searchStreets, 150);
}

async function searchStreets() {
  const query = $("works-street").value.trim();
  const seq = ++P.streetSeq;
  if (!query) {
    $("works-streets").replaceChildren();
    return;
  }
  let body;
  try {
    body = await api(works(`/streets?q=${encodeURIComponent(query)}`));
  } catch (err) {
    if (seq === P.streetSeq) say("works-message", errorText(err));
    return;
  }
  if (seq !== P.streetSeq) return;
  const items = body.streets.map((street) => {
    const pick = el("button", { type: "button", className: "link" }, `${street.name} · ${street.district}`);
    pick.dataset.code = street.code;
    pick.addEventListener("click", () => chooseStreet(street));
    return el("li", {}, pick);
  });
  if (!items.length) items.push(el("li", {}, t("No street of the register matches.")));
  $("works-streets").replaceChildren(...items);
}

function chooseStreet(street) {
  P.street = street;
  $("works-street").value = street.name;
  $("works-streets").replaceChildren();
  $("works-number").focus();
}

function addressPayload() {
  return {
    street_code: P.street ? P.street.code : "",
    number: $("works-number").value.trim(),
    floor: $("works-floor").value.trim(),
    door: $("works-door").value.trim(),
    cadastral_reference: $("works-cadastral").value.trim(),
  };
}

async function checkAddress() {
  if (!P.street) {
    say("works-message", t("Choose the street from the list of the street register."));
    $("works-street").focus();
    return null;
  }
  try {
    const body = await api(works("/address"), { json: addressPayload() });
    const found = body.address;
    $("works-address").textContent = t("In the street register: {label}, {postcode} ({district})", found);
    say("works-message", "");
    return found;
  } catch (err) {
    $("works-address").textContent = "";
    say("works-message", errorText(err));
    return null;
  }
}

function countDescription() {
  const length = $("works-description").value.length;
  $("works-description-count").textContent = t("{count} of 2,000 characters", { count: length });
}

async function askSignature(event) {
  event.preventDefault();
  if (P.busy) return;
  if (!P.street) {
    say("works-message", t("Choose the street from the list of the street register."));
    $("works-street").focus();
    return;
  }
  const payload = {
    ...addressPayload(),
    description: $("works-description").value,
    start: $("works-start").value,
    duration_days: Number($("works-duration").value || 0),
    scans: [...document.querySelectorAll("#works-scans input:checked")].map((i) => i.value),
    lang: $("works-lang").value,
  };
  P.busy = true;
  try {
    const body = await api(works("/sign"), { json: payload });
    P.requestId = body.request_id;
    signatureBox.asked(P.callId, body.request_id);
    $("works-signing-text").textContent = t("The citizen reads the notice on the booth and signs it (SHA-256 {hash}…).", { hash: body.sha256.slice(0, 12) });
    $("works-signing").hidden = false;
    say("works-message", t("Waiting for the citizen's signature."), "info");
  } catch (err) {
    say("works-message", errorText(err));
  } finally {
    P.busy = false;
  }
}

// ------------------------------------------------------------------ the outcome
async function followOutcome() {
  // The hook registers the notice right after the seal: ask a few times until it says.
  for (let i = 0; i < 20 && P.callId; i++) {
    let body;
    try {
      body = await api(works(`/state?lang=${P.citizenLang}`));
    } catch (err) {
      say("works-message", errorText(err));
      return;
    }
    const outcome = body.outcome;
    if (outcome && (outcome.state === "registered" || outcome.state === "failed")) {
      showOutcome(outcome);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function showOutcome(outcome) {
  P.outcome = outcome;
  P.requestId = null;
  $("works-register-again").hidden = outcome.state !== "failed";
  if (outcome.state === "failed") {
    say("works-message", errorText({ code: outcome.code, message: outcome.code }));
    return;
  }
  facts($("works-outcome"), [
    [t("Incoming registry number"), outcome.registry_number],
    [t("Verification code"), outcome.code],
    [t("Verification address"), outcome.verify_url],
  ]);
  $("works-outcome").hidden = false;
  say("works-message", t("Notice registered. The sealed notice and the registry receipt are printing at the booth."), "ok");
}

async function onSignatureState(frame) {
  signatureBox.onState(frame);
  if (frame.procedure !== "works" || frame.request_id !== P.requestId) return;
  if (frame.state === "signed" || frame.state === "oral_consent") {
    followOutcome();
  } else if (frame.state === "cancelled" || frame.state === "expired") {
    P.requestId = null;
    // the notice no longer waits: forget it on the server too (nothing to take back there)
    try { await api(works("/sign"), { json: {}, method: "DELETE" }); } catch { /* gone already */ }
    say("works-message", t("The signature was not given: show the notice again to sign."), "info");
  }
}

async function registerAgain() {
  if (P.busy) return;
  P.busy = true;
  try {
    showOutcome(await api(works("/register"), { json: {} }));
  } catch (err) {
    say("works-message", errorText(err));
  } finally {
    P.busy = false;
  }
}

// ------------------------------------------------------------------ the call
function reset() {
  Object.assign(P, { answers: {}, questions: [], decision: null, street: null, requestId: null, outcome: null, busy: false });
  for (const id of ["works-id-number", "works-name", "works-street", "works-number", "works-floor", "works-door", "works-cadastral", "works-description", "works-start", "works-duration"]) $(id).value = "";
  signatureBox.reset();
  for (const id of ["works-questions", "works-streets", "works-scans", "works-outcome"]) $(id).replaceChildren();
  for (const id of ["works-who", "works-address", "works-fee", "works-signing-text"]) $(id).textContent = "";
  $("works-outcome").hidden = true;
  $("works-register-again").hidden = true;
  $("works-signing").hidden = true;
  renderDecision();
  countDescription();
  say("works-message", "");
}

async function setCall(info) {
  P.callId = info ? info.call_id : null;
  P.citizenLang = (info && ["ca", "es", "en"].includes(info.language)) ? info.language : "ca";
  reset();
  if (!P.callId) return;
  $("works-lang").value = P.citizenLang;
  let body;
  try {
    body = await api(works(`/state?lang=${P.citizenLang}`));
  } catch (err) {
    say("works-message", errorText(err));
    return;
  }
  $("works-start").min = body.earliest_start;
  $("works-duration").max = String(body.max_duration_days);
  $("works-fee").textContent = body.fee ? t("Fee stated on the notice: {fee}", { fee: body.fee }) : t("No fee.");
  show(body);
  if (body.citizen) $("works-who").textContent = t("Identified: {name} ({number})", { name: body.citizen.name, number: body.citizen.id_number });
  if (body.outcome && (body.outcome.state === "registered" || body.outcome.state === "failed")) showOutcome(body.outcome);
  else if (body.outcome && body.outcome.state === "waiting") {
    P.requestId = body.outcome.request_id;
    signatureBox.asked(P.callId, P.requestId);
    $("works-signing").hidden = false;
    $("works-signing-text").textContent = t("Waiting for the citizen's signature.");
  }
}

$("works-questions-form").addEventListener("submit", (event) => event.preventDefault());
$("works-sheet").addEventListener("click", printSheet);
$("works-method-scan").addEventListener("change", onMethod);
$("works-method-camera").addEventListener("change", onMethod);
$("works-identify-form").addEventListener("submit", identify);
$("works-street").addEventListener("input", scheduleStreets);
$("works-address-check").addEventListener("click", checkAddress);
$("works-description").addEventListener("input", countDescription);
$("works-notice-form").addEventListener("submit", askSignature);
$("works-register-again").addEventListener("click", registerAgain);

registerPanel({
  name: "works",
  state: P,
  frames: { signature_state: onSignatureState },
  onCall: setCall,
  onCallEnded: () => setCall(null),
});
