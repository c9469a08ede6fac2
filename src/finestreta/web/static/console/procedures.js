// What the clerk does for the citizen during a call besides talking: look up the catalogue of
// services (show an entry on the booth screen, print its sheet at the booth) and issue census
// volants (identify → see what may be issued and why not → issue → print, show, download).
// HTTP endpoints: web/catalogue_api.py and web/census_api.py. Server strings are always set as
// text, never as HTML.

import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

const P = {
  callId: null,
  citizenLang: "ca",   // the citizen's language: catalogue texts and the volant's default
  searchSeq: 0,        // answers of older searches are dropped
  searchTimer: null,
  entry: null,         // the catalogue entry open in the panel
  identity: null,      // the last /census/identify answer
  issued: null,        // the last /census/issue answer
  busy: false,
};

export const procedureState = P;

// ------------------------------------------------------------------ HTTP
function apiError(body, status) {
  const error = (body && body.error) || {};
  const details = error.details || {};
  const known = {
    bad_check_letter: details.expected
      ? t("The check letter does not match the number (it would be {letter}): check the document.", { letter: details.expected })
      : t("The check letter does not match the number: check the document."),
    bad_format: t("That is not a valid number for this kind of document."),
    empty: t("Type the document number."),
    not_identified: t("Identify the citizen first."),
    call_ended: t("The call has already ended."),
    no_call: t("There is no call in progress."),
    no_seal: t("The city's electronic seal is not configured: volants cannot be issued. Tell the administrator."),
    no_document: t("That document is no longer in this attention."),
    name_needed: t("Enter the given name and surnames on the ID."),
    bad_birth_date: t("The date of birth is in the future."),
    birth_date_needed: t("The register does not know this person: enter the name and date of birth shown on their ID."),
    register_unavailable: t("The population register does not answer. Try again in a moment."),
    register_changed: t("The register changed meanwhile: look the person up again."),
    bad_seal: t("The city's electronic seal cannot be loaded: volants cannot be issued. Tell the administrator."),
    scan_needed: t("Choose the scan of the ID, or scan it first with the booth's scanner."),
    bad_method: t("Say how the identity was checked."),
    no_registry_entry: t("That registry entry is not part of this attention."),
    invalid: t("Some data is not valid: check the names (letters only) and the dates."),
    no_entry: t("That entry is no longer in the catalogue."),
    not_found: t("That entry is no longer in the catalogue."),
  }[error.code];
  if (known) return known;
  if (error.message) return t(error.message);
  return t("The request failed (error {status}).", { status });
}

async function call(path, payload) {
  const init = { credentials: "same-origin" };
  if (payload !== undefined) {
    init.method = "POST";
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(payload);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Error(t("No connection to the office. Try again when it is back."));
  }
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  if (!response.ok || (body && body.ok === false)) {
    const error = new Error(apiError(body, response.status));
    error.code = body && body.error ? body.error.code : String(response.status);
    throw error;
  }
  return body;
}

const callPath = (rest) => `/api/calls/${encodeURIComponent(P.callId)}${rest}`;

function say(id, message, kind = "error") {
  const box = $(id);
  box.dataset.kind = message ? kind : "";
  box.textContent = message || "";
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// Text with [start, end) highlight spans from the search API, as <mark> elements.
function highlighted(text, spans) {
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

function facts(dl, rows) {
  dl.replaceChildren(...rows.filter(([, value]) => value).map(([label, value]) =>
    el("div", {}, el("dt", {}, label), el("dd", {}, value))));
}

function day(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}

// ------------------------------------------------------------------ catalogue
function scheduleSearch() {
  clearTimeout(P.searchTimer);
  P.searchTimer = setTimeout(search, 150);
}

async function search() {
  if (!P.callId) return;
  const query = $("catalogue-query").value.trim();
  const seq = ++P.searchSeq;
  if (!query) {  // nothing typed: keep the panel short, the census panel is below
    renderResults({ results: [], total: 0 }, "");
    return;
  }
  const params = new URLSearchParams({ q: query, lang: P.citizenLang, limit: "8" });
  let body;
  try {
    body = await call(`/api/catalogue?${params}`);
  } catch (err) {
    if (seq === P.searchSeq) say("catalogue-message", err.message);
    return;
  }
  if (seq !== P.searchSeq) return;  // typed on since
  say("catalogue-message", "");
  renderResults(body, query);
}

function renderResults(body, query) {
  const list = $("catalogue-results");
  const items = body.results.map((hit) => {
    const open = el("button", { type: "button", className: "result-open link" },
      highlighted(hit.title, hit.highlights.title));
    open.dataset.slug = hit.slug;
    open.addEventListener("click", () => openEntry(hit.slug));
    return el("li", { dataset: { slug: hit.slug } },
      open,
      el("span", { className: "result-category" }, ` · ${hit.category_label}`),
      hit.snippet ? el("p", { className: "result-snippet" }, highlighted(hit.snippet, hit.highlights.snippet)) : null);
  });
  list.replaceChildren(...items);
  $("catalogue-count").textContent = query
    ? (body.total === 0 ? t("Nothing found for “{query}”.", { query })
      : t("{count} entries found.", { count: body.total }))
    : "";
}

async function openEntry(slug) {
  let body;
  try {
    body = await call(`/api/catalogue/${encodeURIComponent(slug)}?lang=${P.citizenLang}`);
  } catch (err) {
    say("catalogue-message", err.message);
    return;
  }
  P.entry = body.entry;
  const entry = body.entry;
  $("entry-title").textContent = entry.title;
  $("entry-category").textContent = entry.category_label;
  const parts = [el("p", {}, entry.summary)];
  const section = (label, content) => {
    if (!content || (Array.isArray(content) && !content.length)) return;
    parts.push(el("h4", {}, label));
    if (Array.isArray(content)) parts.push(el("ul", {}, ...content.map((item) => el("li", {}, item))));
    else parts.push(el("p", {}, content));
  };
  section(t("Who may ask"), entry.who);
  section(t("Requirements"), entry.requirements);
  section(t("Fees"), entry.free ? t("Free of charge") : entry.fees);
  section(t("Where and when"), entry.where_when);
  section(t("Links"), entry.links.map((link) => `${link.label}: ${link.url}`));
  $("entry-body").replaceChildren(...parts);
  $("catalogue-results").hidden = true;
  $("catalogue-entry").hidden = false;
  say("catalogue-message", "");
  $("entry-title").focus();
}

function closeEntry() {
  P.entry = null;
  $("catalogue-entry").hidden = true;
  $("catalogue-results").hidden = false;
  const again = $("catalogue-results").querySelector("button");
  (again || $("catalogue-query")).focus();
}

async function entryAction(kind) {
  if (!P.entry || !P.callId || P.busy) return;
  P.busy = true;
  const slug = encodeURIComponent(P.entry.slug);
  try {
    if (kind === "show") {
      await call(callPath(`/catalogue/${slug}/show`), {});
      say("catalogue-message", t("The citizen sees “{title}” on the booth screen.", { title: P.entry.title }), "ok");
    } else {
      await call(callPath(`/catalogue/${slug}/sheet`), { lang: P.citizenLang });
      say("catalogue-message", t("The information sheet was sent to the booth's printer."), "ok");
    }
  } catch (err) {
    say("catalogue-message", err.message);
  } finally {
    P.busy = false;
  }
}

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
    const body = await call(callPath("/documents"));
    const scans = body.documents.filter((doc) => doc.kind === "scan" || doc.kind === "upload");
    for (const doc of scans.reverse()) {
      const label = doc.kind === "scan" ? `${t("Scan")} ${doc.title}` : doc.title;
      select.append(el("option", { value: doc.document_id }, label));
    }
    if (!scans.length) select.append(el("option", { value: "" }, t("No scan yet: scan the ID first")));
  } catch (err) {
    say("census-message", err.message);
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
    const body = await call(callPath("/census/identify"), payload);
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
      error.textContent = err.message;
      $("id-number").setAttribute("aria-invalid", "true");
      $("id-number").focus();
      say("census-message", "");
    } else {
      say("census-message", err.message);
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
    const body = await call(callPath("/census/check"), request);
    box.replaceChildren(el("ul", { className: "volant-options" }, volantOption(body.assessment, request)));
  } catch (err) {
    box.replaceChildren(el("p", { className: "field-error" }, err.message));
  } finally {
    box.hidden = false;
    P.busy = false;
  }
}

// ------------------------------------------------------------------ census: issue
async function issueVolant(request, button) {
  if (!P.callId || P.busy) return;
  P.busy = true;
  button.disabled = true;
  say("census-message", t("Issuing and sealing the volant…"), "info");
  try {
    const body = await call(callPath("/census/issue"), { ...request, lang: $("volant-lang").value });
    P.issued = body;
    say("census-message", t("Volant issued with registry number {number}.", { number: body.registry_number }), "ok");
    renderIssued();
    $("issued").focus();
  } catch (err) {
    say("census-message", err.message);
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
      await call(callPath("/print"), { document_id: documentId });
      say("census-message", t("The volant was sent to the booth's printer."), "ok");
    } else if (kind === "show") {
      await call(callPath("/show"), { document_id: documentId });
      say("census-message", t("The citizen sees the volant on the booth screen."), "ok");
    } else {
      const body = await call(callPath("/receipts"), { registry_code: P.issued.registry_code, lang: $("volant-lang").value });
      await call(callPath("/print"), { document_id: body.document.document_id });
      say("census-message", t("The registry receipt was sent to the booth's printer."), "ok");
    }
  } catch (err) {
    say("census-message", err.message);
  } finally {
    P.busy = false;
  }
}

// ------------------------------------------------------------------ the call
function reset() {
  P.entry = null;
  P.identity = null;
  P.issued = null;
  P.busy = false;
  P.searchSeq += 1;
  clearTimeout(P.searchTimer);
  $("catalogue-query").value = "";
  $("catalogue-results").replaceChildren();
  $("catalogue-results").hidden = false;
  $("catalogue-entry").hidden = true;
  $("catalogue-count").textContent = "";
  say("catalogue-message", "");
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

// ``info``: the call_started frame (call_id, language), or null when the call is over. Personal
// data on screen goes with the call.
export function setProcedureCall(info) {
  const callId = info ? info.call_id : null;
  if (callId === P.callId) return;
  P.callId = callId;
  P.citizenLang = (info && ["ca", "es", "en"].includes(info.language)) ? info.language : "ca";
  reset();
  $("catalogue-lang-note").textContent = callId
    ? t("Entries are shown in the citizen's language ({lang}).", { lang: P.citizenLang.toUpperCase() })
    : "";
  if (callId) search();
}

function wire() {
  $("catalogue-query").addEventListener("input", scheduleSearch);
  $("entry-back").addEventListener("click", closeEntry);
  $("entry-show").addEventListener("click", () => entryAction("show"));
  $("entry-print").addEventListener("click", () => entryAction("print"));
  $("identify-form").addEventListener("submit", identify);
  $("method-camera").addEventListener("change", onMethod);
  $("method-scan").addEventListener("change", onMethod);
  $("other-check").addEventListener("click", checkOther);
  $("issued-print").addEventListener("click", () => issuedAction("print"));
  $("issued-show").addEventListener("click", () => issuedAction("show"));
  $("issued-receipt").addEventListener("click", () => issuedAction("receipt"));
}

wire();
