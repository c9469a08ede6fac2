// The taxes procedure's console panel: identify the taxpayer → their receipts with what is due
// today → a payment slip, a card payment at the booth (its progress live), or a certificate →
// print, show, download, registry receipt. HTTP: this procedure's routes.py and the platform's
// print, show and receipts. Personal data on screen goes with the call.

import { api } from "/static/common/api.js";
import { t } from "/static/common/i18n.js";
import { $, day, el, facts, say } from "/static/console/dom.js";
import { errorText, lang as consoleLang, printOutcome } from "/static/console/i18n.js";
import { registerPanel } from "/static/console/panels.js";

const P = {
  callId: null,
  citizenLang: "ca",
  taxpayer: null,     // the last identify/receipts answer
  chosen: new Set(),  // references ticked for a card payment
  extra: [],          // references added by hand (anyone may pay a receipt by its reference)
  payment: null,      // {order, amount, state}
  issued: null,       // the last document made: {document, registry_code?, code?}
  busy: false,
};

const callPath = (rest) => `/api/calls/${encodeURIComponent(P.callId)}${rest}`;
const euros = (cents) => new Intl.NumberFormat(consoleLang === "es" ? "es-ES" : "ca-ES",
  { style: "currency", currency: "EUR" }).format(cents / 100);

const STATE_TEXT = () => ({
  pending: t("Pending"),
  enforcement: t("In enforcement"),
  paid: t("Paid"),
  cancelled: t("Cancelled"),
});

const SURCHARGE_TEXT = () => ({
  executive: t("5 % executive surcharge"),
  reduced: t("10 % reduced surcharge"),
  ordinary: t("20 % ordinary surcharge and interest"),
});

const PAYMENT_TEXT = () => ({
  created: t("The payment page is opening on the booth…"),
  opened: t("The citizen sees the card payment page."),
  returned_ok: t("The citizen finished at the card page. Waiting for the bank's confirmation…"),
  returned_ko: t("The payment was not completed at the card page."),
  paid: t("Paid: the bank confirmed the payment. The receipt is printed at the booth."),
  declined: t("The bank declined the card. Nothing was charged."),
  expired: t("The payment expired without an answer from the bank. The receipts may be paid again."),
  cancelled: t("The payment was stopped. Nothing was charged."),
});

// ------------------------------------------------------------------ 1. identify
async function loadScans() {
  const select = $("taxes-id-scan");
  select.replaceChildren();
  if (!P.callId) return;
  try {
    const body = await api(callPath("/documents"));
    const scans = body.documents.filter((doc) => doc.kind === "scan" || doc.kind === "upload");
    for (const doc of scans.reverse()) select.append(el("option", { value: doc.document_id }, doc.title));
    if (!scans.length) select.append(el("option", { value: "" }, t("No scan yet: scan the ID first")));
  } catch (err) {
    say("taxes-message", errorText(err));
  }
}

function onMethod() {
  const scanned = $("taxes-method-scan").checked;
  $("taxes-id-scan-label").hidden = !scanned;
  if (scanned) loadScans();
}

async function identify(event) {
  event.preventDefault();
  if (!P.callId || P.busy) return;
  const number = $("taxes-id-number").value.trim();
  const error = $("taxes-id-error");
  error.textContent = "";
  $("taxes-id-number").removeAttribute("aria-invalid");
  if (!number) {
    error.textContent = t("Type the document number.");
    $("taxes-id-number").setAttribute("aria-invalid", "true");
    $("taxes-id-number").focus();
    return;
  }
  const payload = {
    id_type: $("taxes-id-type").value,
    number,
    method: $("taxes-method-scan").checked ? "id_scanned" : "id_on_camera",
    lang: consoleLang === "es" ? "es" : "ca",
  };
  if (payload.method === "id_scanned") {
    payload.scan_document_id = $("taxes-id-scan").value || null;
    if (!payload.scan_document_id) {
      say("taxes-message", t("Choose the scan of the ID, or scan it first with the booth's scanner."));
      $("taxes-id-scan").focus();
      return;
    }
  }
  await busy(async () => {
    say("taxes-message", t("Looking up…"), "info");
    try {
      const body = await api(callPath("/taxes/identify"), { json: payload });
      P.taxpayer = body.taxpayer;
      P.chosen = new Set();
      render();
      const count = body.taxpayer.receipts.length;
      say("taxes-message", body.taxpayer.found
        ? t("{who}: {count} receipts.", { who: body.taxpayer.name, count })
        : t("The tax register holds no receipt for this person."), body.taxpayer.found ? "ok" : "info");
      $("taxes-receipts-title").focus();
    } catch (err) {
      if (["bad_check_letter", "bad_format", "empty"].includes(err.code)) {
        error.textContent = errorText(err);
        $("taxes-id-number").setAttribute("aria-invalid", "true");
        $("taxes-id-number").focus();
        say("taxes-message", "");
      } else {
        say("taxes-message", errorText(err));
      }
    }
  });
}

async function reload() {
  if (!P.callId || !P.taxpayer) return;
  try {
    const body = await api(callPath(`/taxes/receipts?lang=${consoleLang === "es" ? "es" : "ca"}`));
    P.taxpayer = body.taxpayer;
    for (const ref of [...P.chosen]) {
      const receipt = P.taxpayer.receipts.find((r) => r.reference === ref);
      if (receipt && !receipt.card) P.chosen.delete(ref);
    }
    render();
  } catch (err) {
    say("taxes-message", errorText(err));
  }
}

async function busy(run) {
  P.busy = true;
  try { await run(); } finally { P.busy = false; }
}

// ------------------------------------------------------------------ 2. receipts
function dueCell(receipt) {
  if (!receipt.due) return el("td", { className: "money" }, receipt.paid_amount ? euros(receipt.paid_amount) : "");
  const cell = el("td", { className: "money" }, euros(receipt.due.total));
  if (receipt.due.surcharge_kind !== "none") {
    cell.append(el("span", { className: "why" }, SURCHARGE_TEXT()[receipt.due.surcharge_kind] || receipt.due.surcharge_kind));
  }
  return cell;
}

function stateCell(receipt) {
  const cell = el("td", { className: "taxes-state", dataset: { state: receipt.state } }, STATE_TEXT()[receipt.state] || receipt.state);
  if (receipt.paid_on) cell.append(el("span", { className: "why" }, day(receipt.paid_on)));
  if (receipt.domiciled) cell.append(el("span", { className: "why" }, t("Direct debit on {date}", { date: day(receipt.charge_date) })));
  if (receipt.card_refusal && receipt.state !== "paid" && receipt.card_refusal_message) {
    cell.append(el("span", { className: "why" }, receipt.card_refusal_message));
  }
  return cell;
}

function row(receipt) {
  const label = `${receipt.tax_label} ${receipt.period} · ${receipt.object_label}`;
  const box = el("input", { type: "checkbox", disabled: !receipt.card || P.payment?.state === "created",
    checked: P.chosen.has(receipt.reference), "aria-label": t("Pay {receipt}", { receipt: label }) });
  box.dataset.reference = receipt.reference;
  box.addEventListener("change", () => {
    if (box.checked) P.chosen.add(receipt.reference); else P.chosen.delete(receipt.reference);
    renderTotal();
  });
  const slipCell = el("td", {});
  if (receipt.slip) {
    const button = el("button", { type: "button", className: "secondary taxes-slip", "aria-label": t("Payment slip of {receipt}", { receipt: label }) }, t("Slip"));
    button.dataset.reference = receipt.reference;
    button.addEventListener("click", () => slip(receipt.reference, button));
    slipCell.append(button);
  } else if (receipt.slip_refusal_message && receipt.state === "pending") {
    slipCell.append(el("span", { className: "why" }, receipt.slip_refusal_message));
  }
  const tr = el("tr", { dataset: { reference: receipt.reference, state: receipt.state } },
    el("td", {}, box),
    el("td", {}, receipt.tax_label),
    el("td", {}, receipt.object_label, el("span", { className: "why" }, receipt.object_id)),
    el("td", {}, receipt.period),
    dueCell(receipt),
    el("td", {}, day(receipt.voluntary_until)),
    stateCell(receipt),
    slipCell);
  return tr;
}

function render() {
  const tp = P.taxpayer;
  $("taxes-receipts").hidden = !tp;
  if (!tp) return;
  $("taxes-who").textContent = tp.found
    ? `${tp.name} · ${tp.document.type.toUpperCase()} ${tp.document.number}`
    : `${tp.document.type.toUpperCase()} ${tp.document.number}`;
  $("taxes-rows").replaceChildren(...tp.receipts.map(row));
  $("taxes-extra").replaceChildren(...P.extra.map((ref) => el("li", {}, ref)));
  if (!$("taxes-cert-year").value) $("taxes-cert-year").value = String(new Date().getFullYear());
  $("taxes-lang").value = P.citizenLang;
  renderTotal();
  renderPayment();
  renderIssued();
}

function chosenTotal() {
  let total = 0;
  for (const receipt of (P.taxpayer ? P.taxpayer.receipts : [])) {
    if (P.chosen.has(receipt.reference) && receipt.due) total += receipt.due.total;
  }
  return total;
}

function renderTotal() {
  const count = P.chosen.size + P.extra.length;
  const open = P.payment && ["created", "opened", "returned_ok"].includes(P.payment.state);
  $("taxes-pay").disabled = !count || Boolean(open);
  $("taxes-total").textContent = count
    ? t("{count} receipts chosen: {total}", { count, total: euros(chosenTotal()) }) + (P.extra.length ? " + " + t("by reference") : "")
    : "";
}

function addReference() {
  const input = $("taxes-reference");
  const ref = input.value.trim();
  if (!/^[0-9]{10}$/.test(ref)) {
    say("taxes-message", t("A receipt's reference has 10 digits."));
    input.focus();
    return;
  }
  if (!P.extra.includes(ref) && !P.chosen.has(ref)) P.extra.push(ref);
  input.value = "";
  render();
}

// ------------------------------------------------------------------ 3. documents
async function slip(reference, button) {
  if (!P.callId || P.busy) return;
  button.disabled = true;
  await busy(async () => {
    say("taxes-message", t("Making the payment slip…"), "info");
    try {
      const body = await api(callPath("/taxes/slip"), { json: { reference, lang: $("taxes-lang").value } });
      P.issued = { document: body.document };
      say("taxes-message", t("Payment slip ready: print it at the booth."), "ok");
      renderIssued();
      $("taxes-issued").focus();
    } catch (err) {
      say("taxes-message", errorText(err));
    } finally {
      button.disabled = false;
    }
  });
}

async function pay() {
  if (!P.callId || P.busy) return;
  const references = [...P.chosen, ...P.extra];
  if (!references.length) return;
  await busy(async () => {
    say("taxes-message", t("Opening the card payment on the booth…"), "info");
    try {
      const body = await api(callPath("/taxes/pay"), { json: { references, lang: $("taxes-lang").value } });
      P.payment = { order: body.order, amount: body.amount, state: "created" };
      P.extra = [];
      say("taxes-message", t("Payment {order} of {amount} opened on the booth.", { order: body.order, amount: euros(body.amount) }), "ok");
      render();
    } catch (err) {
      say("taxes-message", errorText(err));
    }
  });
}

async function cancelPayment() {
  if (!P.callId || !P.payment || P.busy) return;
  await busy(async () => {
    try {
      await api(callPath(`/taxes/pay/${encodeURIComponent(P.payment.order)}/cancel`), { json: {} });
    } catch (err) {
      say("taxes-message", errorText(err));
    }
  });
}

function renderPayment() {
  const payment = P.payment;
  $("taxes-payment").hidden = !payment;
  if (!payment) return;
  const box = $("taxes-payment-state");
  box.dataset.state = payment.state;
  box.textContent = `${payment.order} · ${euros(payment.amount)} — ${PAYMENT_TEXT()[payment.state] || payment.state}`;
  $("taxes-payment-cancel").hidden = !["created", "opened"].includes(payment.state);
}

function onPayState(frame) {
  // The console's list of the day's payments follows (it is the platform's).
  document.dispatchEvent(new CustomEvent("finestreta:payment", { detail: { order: frame.order, state: frame.state } }));
  if (!P.payment || P.payment.order !== frame.order) {
    // A payment of an earlier moment of this call (or one settled late): still worth a line.
    if (frame.state === "paid") say("taxes-message", t("Payment {order} was confirmed by the bank.", { order: frame.order }), "ok");
    return;
  }
  P.payment.state = frame.state;
  renderPayment();
  renderTotal();
  if (["paid", "declined", "expired", "cancelled"].includes(frame.state)) {
    if (frame.state === "paid") P.chosen = new Set();
    reload();
  }
}

async function certificate(kind) {
  if (!P.callId || P.busy) return;
  const payload = { kind, lang: $("taxes-lang").value };
  if (kind === "payment") {
    payload.tax = $("taxes-cert-tax").value;
    payload.year = Number($("taxes-cert-year").value);
  }
  const other = $("taxes-other-number").value.trim();
  if ($("taxes-other").open && other) {
    payload.subject_type = $("taxes-other-type").value;
    payload.subject_number = other;
    payload.accredited_representative = $("taxes-other-representative").checked;
  }
  await busy(async () => {
    say("taxes-message", t("Issuing and sealing the certificate…"), "info");
    try {
      const body = await api(callPath("/taxes/certificate"), { json: payload });
      P.issued = body;
      say("taxes-message", t("Certificate issued with registry number {number}.", { number: body.registry_number }), "ok");
      renderIssued();
      $("taxes-issued").focus();
    } catch (err) {
      say("taxes-message", errorText(err));
    }
  });
}

function renderIssued() {
  const issued = P.issued;
  $("taxes-issued").hidden = !issued;
  if (!issued) return;
  facts($("taxes-issued-facts"), [
    [t("Document"), issued.document.title],
    [t("Registry number"), issued.registry_number || ""],
    [t("Verification code"), issued.code || ""],
  ]);
  $("taxes-issued-download").href = issued.document.url;
  $("taxes-issued-download").setAttribute("download", `${issued.document.title}.pdf`);
  $("taxes-issued-receipt").hidden = !issued.registry_code;
}

async function issuedAction(kind) {
  if (!P.issued || !P.callId || P.busy) return;
  const documentId = P.issued.document.document_id;
  await busy(async () => {
    try {
      if (kind === "print") {
        const answer = await api(callPath("/print"), { json: { document_id: documentId } });
        const outcome = printOutcome(answer, t("The document was sent to the booth's printer."));
        say("taxes-message", outcome.text, outcome.kind);
      } else if (kind === "show") {
        await api(callPath("/show"), { json: { document_id: documentId } });
        say("taxes-message", t("The citizen sees the document on the booth screen."), "ok");
      } else {
        const body = await api(callPath("/receipts"), { json: { registry_code: P.issued.registry_code, lang: $("taxes-lang").value } });
        const answer = await api(callPath("/print"), { json: { document_id: body.document.document_id } });
        const outcome = printOutcome(answer, t("The registry receipt was sent to the booth's printer."));
        say("taxes-message", outcome.text, outcome.kind);
      }
    } catch (err) {
      say("taxes-message", errorText(err));
    }
  });
}

// ------------------------------------------------------------------ the call
function setCall(info) {
  P.callId = info ? info.call_id : null;
  P.citizenLang = (info && ["ca", "es", "en"].includes(info.language)) ? info.language : "ca";
  P.taxpayer = null;
  P.chosen = new Set();
  P.extra = [];
  P.payment = null;
  P.issued = null;
  P.busy = false;
  $("taxes-identify-form").reset();
  $("taxes-id-error").textContent = "";
  $("taxes-id-scan-label").hidden = true;
  $("taxes-other").open = false;
  say("taxes-message", "");
  render();
}

$("taxes-identify-form").addEventListener("submit", identify);
$("taxes-method-camera").addEventListener("change", onMethod);
$("taxes-method-scan").addEventListener("change", onMethod);
$("taxes-reference-add").addEventListener("click", addReference);
$("taxes-pay").addEventListener("click", pay);
$("taxes-payment-cancel").addEventListener("click", cancelPayment);
$("taxes-cert-payment").addEventListener("click", () => certificate("payment"));
$("taxes-cert-standing").addEventListener("click", () => certificate("up_to_date"));
$("taxes-issued-print").addEventListener("click", () => issuedAction("print"));
$("taxes-issued-show").addEventListener("click", () => issuedAction("show"));
$("taxes-issued-receipt").addEventListener("click", () => issuedAction("receipt"));

registerPanel({
  name: "taxes",
  state: P,
  frames: { taxes_pay_state: onPayState },
  onCall: setCall,
  onCallEnded: () => setCall(null),
});
