// The census procedure's console panel: identify the citizen → see which volants may be issued
// and why not → issue → print, show, download, registry receipt. HTTP: this procedure's
// routes.py (identify, check, issue) and the platform's documents, print, show and receipts.
// Personal data on screen goes with the call.

import { api } from "/static/common/api.js";
import { $, day, el, facts, say } from "/static/console/dom.js";
import { t } from "/static/common/i18n.js";
import { errorText, printOutcome } from "/static/console/i18n.js";
import { registerPanel } from "/static/console/panels.js";

const P = {
  callId: null,
  citizenLang: "ca",   // the volant's default language
  identity: null,      // the last /census/identify answer
  issued: null,        // the last /census/issue answer
  issuedAt: new Map(), // what was issued in this call (kind, person, language) -> when
  busy: false,
};

const callPath = (rest) => `/api/calls/${encodeURIComponent(P.callId)}${rest}`;

// ------------------------------------------------------------------ census: identify
const STATUS_TEXT = () => ({
  registered: t("Registered in the city"),
  moved_out: t("Not registered in the city any more: moved out"),
  deceased: t("The registration ended by death"),
  not_found: t("Not registered in the city"),
});

const KIND_TEXT = () => ({
  residence: t("Residence volant (individual)"),
  household: t("Household volant (everyone at the address)"),
});

// The rules' reasons come in English from finestreta/padro/eligibility.py; scripts/i18n extracts
// them into the console's catalogue, so they are translated like the console's own texts.
function reasonText(decision) {
  return t(decision.message);
}

async function loadScans() {
  const select = $("id-scan");
  select.replaceChildren();
  if (!P.callId) return;
  try {
    const body = await api(callPath("/documents"));
    const scans = body.documents.filter((doc) => doc.kind === "scan" || doc.kind === "upload");
    for (const doc of scans.reverse()) {
      const label = doc.kind === "scan" ? `${t("Scan")} ${doc.title}` : doc.title;
      select.append(el("option", { value: doc.document_id }, label));
    }
    if (!scans.length) select.append(el("option", { value: "" }, t("No scan yet: scan the ID first")));
  } catch (err) {
    say("census-message", errorText(err));
  }
}

function onMethod() {
  const scanned = $("method-scan").checked;
  $("id-scan-label").hidden = !scanned;
  if (scanned) loadScans();
}

async function identify(event) {
  event.preventDefault();
  if (!P.callId || P.busy) return;
  const number = $("id-number").value.trim();
  const error = $("id-number-error");
  error.textContent = "";
  $("id-number").removeAttribute("aria-invalid");
  if (!number) {
    error.textContent = t("Type the document number.");
    $("id-number").setAttribute("aria-invalid", "true");
    $("id-number").focus();
    return;
  }
  const payload = {
    id_type: $("id-type").value,
    number,
    method: $("method-scan").checked ? "id_scanned" : "id_on_camera",
  };
  if (payload.method === "id_scanned") {
    payload.scan_document_id = $("id-scan").value || null;
    if (!payload.scan_document_id) {
      say("census-message", t("Choose the scan of the ID, or scan it first with the booth's scanner."));
      $("id-scan").focus();
      return;
    }
  }
  if (!$("declared").hidden && $("declared-birth").value) {
    payload.given_name = $("declared-given").value.trim();
    payload.surnames = $("declared-surnames").value.trim();
    payload.birth_date = $("declared-birth").value;
  }
  P.busy = true;
  $("identify-button").disabled = true;
  say("census-message", t("Looking up…"), "info");
  try {
    const body = await api(callPath("/census/identify"), { json: payload });
    P.identity = body.identity;
    P.issued = null;
    renderIdentity();
    // One short sentence for screen readers (the block itself is not a live region: it holds
    // form controls), and the clerk's focus where the answer starts.
    const id = body.identity;
    const count = id.options.filter((option) => option.allowed).length;
    const status = STATUS_TEXT()[id.status] || id.status;
    say("census-message", t("{who}: {status}. Volants that may be issued: {count}.", {
      who: id.name || `${id.document.type.toUpperCase()} ${id.document.number}`, status, count,
    }), id.status === "registered" ? "ok" : "info");
    $("identity-title").focus();
  } catch (err) {
    if (["bad_check_letter", "bad_format", "empty"].includes(err.code)) {
      error.textContent = errorText(err);
      $("id-number").setAttribute("aria-invalid", "true");
      $("id-number").focus();
      say("census-message", "");
    } else {
      say("census-message", errorText(err));
    }
  } finally {
    P.busy = false;
    $("identify-button").disabled = false;
  }
}

function personLine(person) {
  const id = `${person.document.type.toUpperCase()} ${person.document.number}`;
  return t("{name} · {id} · {age} years · since {since}", {
    name: person.name, id, age: person.age, since: day(person.registered_since),
  });
}

function renderIdentity() {
  const id = P.identity;
  $("identity").hidden = !id;
  $("issued").hidden = !P.issued;
  if (!id) return;
  const status = $("identity-status");
  status.dataset.status = id.status;
  status.textContent = STATUS_TEXT()[id.status] || id.status;
  const method = id.method === "id_scanned" ? t("ID scanned at the booth") : t("ID shown on camera");
  facts($("identity-facts"), [
    [t("Name"), id.name],
    [t("Document"), `${id.document.type.toUpperCase()} ${id.document.number}`],
    [t("Age"), id.age === null || id.age === undefined ? "" : String(id.age)],
    [t("Address"), id.address || ""],
    [t("Registered since"), day(id.registered_since)],
    [t("Left the register on"), day(id.ended_on)],
    [t("Identity checked"), method],
  ]);
  // Not in the register: the clerk may enter the ID's data to ask about someone else.
  $("declared").hidden = id.status !== "not_found";
  const household = id.household;
  $("household").hidden = !household;
  if (household) {
    $("household-list").replaceChildren(...household.members.map((m) => el("li", {}, personLine(m))));
  }
  const options = $("volant-options");
  if (!id.options.length) {
    options.replaceChildren(el("li", { className: "volant-option", dataset: { allowed: "false" } },
      t("Enter the name and date of birth on the ID and look up again to see what may be asked.")));
  } else {
    options.replaceChildren(...id.options.map((option) => volantOption(option, { kind: option.kind })));
  }
  $("volant-lang").value = P.citizenLang;
  $("other-decision").hidden = true;
}

// One decision: allowed (with an "Issue" button) or refused with the reason the clerk reads.
function volantOption(assessment, request) {
  const li = el("li", { className: "volant-option", dataset: { kind: request.kind, allowed: String(assessment.allowed), code: assessment.code } });
  const titleId = `volant-${request.subject_number ? "other" : "own"}-${request.kind}`;
  li.append(el("strong", { id: titleId }, KIND_TEXT()[request.kind]));
  li.append(el("p", { className: "volant-verdict" },
    assessment.allowed ? t("May be issued.") : t("Cannot be issued."), " ", reasonText(assessment)));
  if (assessment.allowed) {
    if (assessment.persons && assessment.persons.length) {
      li.append(el("p", { className: "volant-persons" },
        t("It will show: {names}", { names: assessment.persons.map((p) => p.name).join(", ") })));
    }
    const issue = el("button", { type: "button", className: "primary issue-volant", "aria-describedby": titleId }, t("Issue the volant"));
    issue.dataset.kind = request.kind;
    issue.addEventListener("click", () => issueVolant(request, issue));
    li.append(issue);
  }
  return li;
}

function otherRequest() {
  return {
    kind: $("other-kind").value,
    subject_type: $("other-type").value,
    subject_number: $("other-number").value.trim(),
    express_authorisation: $("other-authorisation").checked,
    accredited_representative: $("other-representative").checked,
    subject_incapacitated: $("other-incapacitated").checked,
  };
}

async function checkOther() {
  if (!P.callId || P.busy) return;
  const request = otherRequest();
  const box = $("other-decision");
  if (!request.subject_number) {
    box.hidden = false;
    box.replaceChildren(el("p", { className: "field-error" }, t("Type the number of their document.")));
    $("other-number").focus();
    return;
  }
  P.busy = true;
  try {
    const body = await api(callPath("/census/check"), { json: request });
    box.replaceChildren(el("ul", { className: "volant-options" }, volantOption(body.assessment, request)));
  } catch (err) {
    box.replaceChildren(el("p", { className: "field-error" }, errorText(err)));
  } finally {
    box.hidden = false;
    P.busy = false;
  }
}

// ------------------------------------------------------------------ census: issue
// The same volant (kind, person, language) a second time in one call is asked about first: a
// later click issued a second, identical one with no word.
function sameVolant(request) {
  return [request.kind, request.subject_type || "", request.subject_number || "", $("volant-lang").value].join("|");
}

async function issueVolant(request, button) {
  if (!P.callId || P.busy) return;
  const key = sameVolant(request);
  const before = P.issuedAt.get(key);
  if (before && button.dataset.confirm !== "true") {
    const minutes = Math.max(1, Math.round((Date.now() - before) / 60000));
    say("census-message", t("This volant was already issued {minutes} min ago. Issue it again?", { minutes }), "info");
    button.dataset.confirm = "true";
    button.textContent = t("Issue it again");
    return;
  }
  button.dataset.confirm = "false";
  button.textContent = t("Issue the volant");
  P.busy = true;
  button.disabled = true;
  say("census-message", t("Issuing and sealing the volant…"), "info");
  try {
    const body = await api(callPath("/census/issue"), { json: { ...request, lang: $("volant-lang").value } });
    P.issued = body;
    P.issuedAt.set(key, Date.now());
    say("census-message", t("Volant issued with registry number {number}.", { number: body.registry_number }), "ok");
    renderIssued();
    $("issued").focus();
  } catch (err) {
    say("census-message", errorText(err));
  } finally {
    P.busy = false;
    button.disabled = false;
  }
}

function renderIssued() {
  const issued = P.issued;
  $("issued").hidden = !issued;
  if (!issued) return;
  facts($("issued-facts"), [
    [t("Document"), issued.document.title],
    [t("Registry number"), issued.registry_number],
    [t("Verification code"), issued.code],
    [t("Verify at"), issued.verify_url],
  ]);
  $("issued-download").href = issued.document.url;
  $("issued-download").setAttribute("download", `${issued.document.title}.pdf`);
}

async function issuedAction(kind) {
  if (!P.issued || !P.callId || P.busy) return;
  P.busy = true;
  const documentId = P.issued.document.document_id;
  try {
    if (kind === "print") {
      const answer = await api(callPath("/print"), { json: { document_id: documentId } });
      const outcome = printOutcome(answer, t("The volant was sent to the booth's printer."));
      say("census-message", outcome.text, outcome.kind);
    } else if (kind === "show") {
      await api(callPath("/show"), { json: { document_id: documentId } });
      say("census-message", t("The citizen sees the volant on the booth screen."), "ok");
    } else {
      const body = await api(callPath("/receipts"), { json: { registry_code: P.issued.registry_code, lang: $("volant-lang").value } });
      const answer = await api(callPath("/print"), { json: { document_id: body.document.document_id } });
      const outcome = printOutcome(answer, t("The registry receipt was sent to the booth's printer."));
      say("census-message", outcome.text, outcome.kind);
    }
  } catch (err) {
    say("census-message", errorText(err));
  } finally {
    P.busy = false;
  }
}

// ------------------------------------------------------------------ the call
function reset() {
  P.identity = null;
  P.issued = null;
  P.issuedAt = new Map();
  P.busy = false;
  $("identify-form").reset();
  $("id-number-error").textContent = "";
  $("id-number").removeAttribute("aria-invalid");
  $("declared").hidden = true;
  $("id-scan-label").hidden = true;
  $("other-person").open = false;
  $("other-decision").hidden = true;
  say("census-message", "");
  renderIdentity();
}

function setCall(info) {
  P.callId = info ? info.call_id : null;
  P.citizenLang = (info && ["ca", "es", "en"].includes(info.language)) ? info.language : "ca";
  reset();
}

$("identify-form").addEventListener("submit", identify);
$("method-camera").addEventListener("change", onMethod);
$("method-scan").addEventListener("change", onMethod);
$("other-check").addEventListener("click", checkOther);
$("issued-print").addEventListener("click", () => issuedAction("print"));
$("issued-show").addEventListener("click", () => issuedAction("show"));
$("issued-receipt").addEventListener("click", () => issuedAction("receipt"));

registerPanel({
  name: "census",
  state: P,
  onCall: setCall,
  onCallEnded: () => setCall(null),
});
