// The complaints procedure's console panel: type and theme, where (an address of the street
// register, searched as one types, its number checked; or a place the citizen describes), the
// description with its counter, documents scanned at the booth during the call, the contact or
// anonymity (when the type allows it), the answer's language → "File": the case, its incoming
// registry entry and the receipt printed at the booth — once the citizen has signed the
// complaint form at the booth, for a case with a contact. HTTP: this procedure's routes.py.

import { api } from "/static/common/api.js";
import { t } from "/static/common/i18n.js";
import { $, el, facts, say } from "/static/console/dom.js";
import { errorText, lang as consoleLang } from "/static/console/i18n.js";
import { registerPanel } from "/static/console/panels.js";
import { createSignatureBox } from "/static/console/signature.js";

// A case with a contact is signed by the citizen at the booth before it is filed (the server
// files it when the signature, or the clerk's record of oral consent, comes).
const signatureBox = createSignatureBox({ procedure: "complaints", idPrefix: "complaints-sign" });

const P = {
  callId: null,
  form: null,        // the form answer: types, themes, scans, limits
  street: null,      // {code, name} chosen from the register
  addressOk: false,
  filed: null,       // the last file answer
  busy: false,
  searchTimer: null,
  found: [],         // the streets listed
  active: -1,        // the one the arrow keys are on
};

const callPath = (rest) => `/api/calls/${encodeURIComponent(P.callId)}${rest}`;

function typeOf(code) {
  return P.form ? P.form.types.find((item) => item.code === code) : null;
}

function fillSelect(select, items) {
  select.replaceChildren(...items.map((item) => el("option", { value: item.code }, item.label)));
}

async function loadForm() {
  if (!P.callId) return;
  try {
    P.form = await api(callPath(`/complaints/form?lang=${encodeURIComponent(consoleLang)}`));
  } catch (err) {
    say("complaints-message", errorText(err));
    return;
  }
  fillSelect($("complaints-type"), P.form.types);
  fillSelect($("complaints-theme"), P.form.themes);
  $("complaints-lang").value = P.form.language;
  $("complaints-description").maxLength = P.form.max_description + 1000;  // the server says when it is too long
  renderScans();
  onType();
  onCount();
}

function renderScans() {
  const box = $("complaints-scans");
  const scans = P.form ? P.form.scans : [];
  if (!scans.length) {
    box.replaceChildren(el("p", { className: "field-hint" }, t("No scan yet: scan the document with the devices panel, then refresh.")));
    return;
  }
  box.replaceChildren(...scans.map((scan) => el("label", {},
    el("input", { type: "checkbox", value: scan.document_id, className: "complaints-scan" }),
    ` ${scan.title}`)));
}

async function refreshScans() {
  if (!P.callId) return;
  const chosen = new Set([...document.querySelectorAll(".complaints-scan:checked")].map((box) => box.value));
  await loadForm();
  for (const box of document.querySelectorAll(".complaints-scan")) box.checked = chosen.has(box.value);
}

function onType() {
  const type = typeOf($("complaints-type").value);
  $("complaints-type-note").textContent = type ? type.description : "";
  const anonymous = $("complaints-anonymous");
  const note = $("complaints-anonymous-note");
  if (type && !type.anonymous_allowed) {
    anonymous.checked = false;
    anonymous.disabled = true;
    note.textContent = t("This type cannot be anonymous: an e-mail address or a phone number is needed.");
    note.dataset.kind = "info";
  } else {
    anonymous.disabled = false;
    note.textContent = t("This type may be anonymous.");
    note.dataset.kind = "";
  }
  onAnonymous();
}

function onAnonymous() {
  const anonymous = $("complaints-anonymous").checked;
  $("complaints-contact-fields").hidden = anonymous;
}

function onWhere() {
  const place = $("complaints-where-place").checked;
  $("complaints-address-fields").hidden = place;
  $("complaints-address-check").hidden = place;
  $("complaints-place-label").hidden = !place;
  closeStreets();
}

function onCount() {
  const length = $("complaints-description").value.trim().length;
  const max = P.form ? P.form.max_description : 4000;
  const count = $("complaints-count");
  count.textContent = t("{length} of {max} characters", { length, max });
  count.dataset.over = String(length > max);
}

// ------------------------------------------------------------------ the street register
function closeStreets() {
  $("complaints-streets").hidden = true;
  $("complaints-street").setAttribute("aria-expanded", "false");
  $("complaints-street").removeAttribute("aria-activedescendant");
  P.found = [];
  P.active = -1;
}

// Arrow keys move through the streets found, Enter picks one, Escape closes the list.
function onStreetKey(event) {
  const list = $("complaints-streets");
  if (event.key === "Escape") { closeStreets(); return; }
  if (list.hidden || !P.found.length) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    P.active = (P.active + step + P.found.length) % P.found.length;
    list.querySelectorAll("li[role=option]").forEach((item, index) =>
      item.setAttribute("aria-selected", String(index === P.active)));
    $("complaints-street").setAttribute("aria-activedescendant", `complaints-street-${P.active}`);
  } else if (event.key === "Enter" && P.active >= 0) {
    event.preventDefault();
    chooseStreet(P.found[P.active]);
  }
}

function onStreetInput() {
  P.street = null;
  P.addressOk = false;
  $("complaints-address-check").textContent = "";
  clearTimeout(P.searchTimer);
  P.searchTimer = setTimeout(searchStreets, 150);
}

async function searchStreets() {
  const text = $("complaints-street").value.trim();
  const list = $("complaints-streets");
  if (!text || !P.callId) { closeStreets(); return; }
  let body;
  try {
    body = await api(callPath(`/complaints/streets?q=${encodeURIComponent(text)}`));
  } catch (err) {
    say("complaints-message", errorText(err));
    return;
  }
  P.found = body.streets;
  P.active = -1;
  list.replaceChildren(...body.streets.map((street, index) => {
    const item = el("li", { role: "option", id: `complaints-street-${index}`, "aria-selected": "false", dataset: { code: street.code } },
      `${street.name} (${street.district})`);
    item.addEventListener("click", () => chooseStreet(street));
    return item;
  }));
  if (!body.streets.length) list.append(el("li", { role: "option", "aria-disabled": "true" }, t("No street found")));
  list.hidden = false;
  $("complaints-street").setAttribute("aria-expanded", "true");
}

function chooseStreet(street) {
  P.street = street;
  $("complaints-street").value = street.name;
  closeStreets();
  $("complaints-number").focus();
  checkAddress();
}

async function checkAddress() {
  const number = $("complaints-number").value.trim();
  const check = $("complaints-address-check");
  P.addressOk = false;
  if (!P.street || !number) { check.textContent = ""; return; }
  try {
    const body = await api(callPath(`/complaints/address?street=${encodeURIComponent(P.street.code)}&number=${encodeURIComponent(number)}`));
    P.addressOk = true;
    check.textContent = `✔ ${body.label} · ${body.postcode}`;
  } catch (err) {
    check.textContent = errorText(err);
  }
}

// ------------------------------------------------------------------ filing
async function file(event) {
  event.preventDefault();
  if (!P.callId || P.busy) return;
  const anonymous = $("complaints-anonymous").checked;
  const place = $("complaints-where-place").checked;
  const body = {
    case_type: $("complaints-type").value,
    theme: $("complaints-theme").value,
    description: $("complaints-description").value,
    language: $("complaints-lang").value,
    anonymous,
    attachments: [...document.querySelectorAll(".complaints-scan:checked")].map((box) => box.value),
  };
  if (place) body.place = $("complaints-place").value;
  else {
    body.street_code = P.street ? P.street.code : "";
    body.street_number = $("complaints-number").value.trim();
    if (!P.street) body.place = "";  // the server says where is missing
  }
  if (!anonymous) {
    body.contact = {
      name: $("complaints-name").value,
      email: $("complaints-email").value.trim(),
      phone: $("complaints-phone").value.trim(),
    };
  }
  P.busy = true;
  $("complaints-file").disabled = true;
  signatureBox.reset();
  say("complaints-message", t("Filing…"), "info");
  try {
    if (anonymous) {
      P.filed = await api(callPath("/complaints/file"), { json: body });
    } else {
      const asked = await api(callPath("/complaints/sign"), { json: body });
      signatureBox.asked(P.callId, asked.request_id);
      say("complaints-message", t("The citizen is signing the complaint form at the booth…"), "info");
      return;  // filed when signed: onSignatureState
    }
  } catch (err) {
    say("complaints-message", errorText(err));
    return;
  } finally {
    P.busy = false;
    $("complaints-file").disabled = false;
  }
  announceFiled();
}

// The server files the case in its signature hook, just after it tells us the state: ask a few
// times for what it filed.
async function onSignatureState(frame) {
  signatureBox.onState(frame);
  const requestId = signatureBox.state.requestId;
  if (frame.procedure !== "complaints" || frame.request_id !== requestId) return;
  if (frame.state !== "signed" && frame.state !== "oral_consent") {
    if (frame.state === "cancelled" || frame.state === "expired") say("complaints-message", "");
    return;
  }
  let lastError = null;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      P.filed = await api(callPath(`/complaints/signed/${encodeURIComponent(requestId)}`));
      announceFiled();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  say("complaints-message", errorText(lastError));
}

function announceFiled() {
  // Filed either way; a receipt not printed (the call ended, say) leaves the code to be told.
  if ((P.filed.warnings || []).length) {
    say("complaints-message", t("Case filed, but its receipt was not printed at the booth: give the citizen the case code."), "error");
  } else {
    say("complaints-message", t("Case filed. The receipt is printing at the booth."), "ok");
  }
  showFiled();
}

function showFiled() {
  const box = $("complaints-filed");
  if (!P.filed) { box.hidden = true; return; }
  const code = el("span", { className: "code", id: "complaints-code" }, P.filed.code);
  facts($("complaints-filed-facts"), [
    [t("Case code"), code],
    [t("Registry number"), P.filed.registry_number],
    [t("Follow it at"), P.filed.track_url],
    [t("Answer due by"), P.filed.due_on.split("-").reverse().join("/")],
  ]);
  box.hidden = false;
  $("complaints-filed-title").focus();
}

function setCall(info) {
  P.callId = info ? info.call_id : null;
  P.form = null;
  P.street = null;
  P.addressOk = false;
  P.filed = null;
  P.busy = false;
  $("complaints-form").reset();
  signatureBox.reset();
  $("complaints-address-check").textContent = "";
  say("complaints-message", "");
  showFiled();
  onWhere();
  if (P.callId) loadForm();
}

$("complaints-form").addEventListener("submit", file);
$("complaints-type").addEventListener("change", onType);
$("complaints-anonymous").addEventListener("change", onAnonymous);
$("complaints-where-address").addEventListener("change", onWhere);
$("complaints-where-place").addEventListener("change", onWhere);
$("complaints-description").addEventListener("input", onCount);
$("complaints-street").addEventListener("input", onStreetInput);
$("complaints-street").addEventListener("keydown", onStreetKey);
$("complaints-number").addEventListener("change", checkAddress);
$("complaints-scans-refresh").addEventListener("click", refreshScans);

$("complaints-message").after(signatureBox.element);

registerPanel({
  name: "complaints",
  state: P,
  frames: { signature_state: onSignatureState },
  onCall: setCall,
  onCallEnded: () => setCall(null),
});
