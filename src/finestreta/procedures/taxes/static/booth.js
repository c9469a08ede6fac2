// The taxes procedure's booth module: the card payment the clerk opened (taxes_pay), beside the
// call — the video and the sound stay up while the citizen pays. The frame opens our own pay
// page, which posts the signed form to the gateway inside the frame (a redirect connection: the
// booth page itself never navigates away); the gateway sends the frame back to our return page,
// and the server tells the booth what became of the payment (taxes_pay_state). The result the citizen reads comes from the server: a
// return to "URL OK" only says "waiting for the bank"; "paid" comes with the bank's verified
// notification. Markup: templates/booth.html.

import { t } from "/static/common/i18n.js";
import { booth, registerBoothModule } from "/static/kiosk/modules.js";

const NAME = "taxes";
const $ = (id) => document.getElementById(id);

// {order, amount, items, state} of the payment on screen, or null
let shown = null;
const FINAL = ["paid", "declined", "expired", "cancelled"];

const money = (cents) => {
  const lang = booth.language();
  const locale = lang === "en" ? "en-GB" : lang === "es" ? "es-ES" : "ca-ES";
  return new Intl.NumberFormat(locale, { style: "currency", currency: "EUR" }).format(cents / 100);
};

function resultText(state) {
  return {
    returned_ok: t("Thank you. We are waiting for the bank's confirmation…"),
    paid: t("Payment completed. Your receipt is being printed."),
    returned_ko: t("The payment was not made. No money has been taken from your card."),
    declined: t("The bank declined the card. No money has been taken."),
    expired: t("The payment took too long and was stopped. No money has been taken."),
    cancelled: t("The payment was cancelled. No money has been taken."),
  }[state] || "";
}

function onPay(frame) {
  if (!booth.inCall()) return;
  // Our own pay page only (it posts the signed form to the gateway inside the frame).
  if (typeof frame.url !== "string" || !frame.url.startsWith("/payments/pay/")) return;
  booth.showBeside(NAME);
  shown = { order: String(frame.order), amount: Number(frame.amount) || 0, items: frame.items || [], state: "opened" };
  $("taxes-pay-frame").hidden = false;
  $("taxes-pay-result").hidden = true;
  render();
  $("taxes-pay-frame").src = frame.url;
  booth.announce(t("Card payment of {amount}. Follow the steps on the screen.", { amount: money(shown.amount) }));
}

function onState(frame) {
  if (!shown || String(frame.order) !== shown.order) return;
  const state = String(frame.state || "");
  if (state === "opened" || state === "created") return;
  // What the server decided stays: a late "returned" never undoes paid or declined.
  if (FINAL.includes(shown.state) && !FINAL.includes(state)) return;
  shown.state = state;
  // The bank's page is done with (or must not be used any more): the result replaces it.
  const frameEl = $("taxes-pay-frame");
  frameEl.hidden = true;
  frameEl.src = "about:blank";
  $("taxes-pay-result").hidden = false;
  render();
  booth.announce(resultText(state));
  $("taxes-pay-result-text").focus?.();
}

function cancel() {
  if (!shown) return;
  if (["opened"].includes(shown.state)) booth.send({ type: "taxes_pay_cancel", order: shown.order });
  clear();
}

function clear() {
  const box = $("taxes-pay");
  const hadFocus = box.contains(document.activeElement);
  shown = null;
  const frameEl = $("taxes-pay-frame");
  frameEl.src = "about:blank";
  booth.hideBeside(NAME);
  render();
  if (hadFocus) booth.focusCall();
}

function render() {
  const box = $("taxes-pay");
  box.hidden = !shown;
  if (!shown) {
    box.removeAttribute("data-order");
    box.removeAttribute("data-state");
    return;
  }
  box.dataset.order = shown.order;
  box.dataset.state = shown.state;
  $("taxes-pay-amount").textContent = money(shown.amount);
  const items = $("taxes-pay-items");
  items.replaceChildren(...shown.items.map((item) => {
    const li = document.createElement("li");
    li.textContent = `${String(item.label || "")}: ${money(Number(item.amount) || 0)}`;
    return li;
  }));
  const done = shown.state !== "opened";
  $("taxes-pay-cancel").hidden = done;
  const result = $("taxes-pay-result");
  const failed = ["returned_ko", "declined", "expired", "cancelled"].includes(shown.state);
  result.dataset.state = shown.state === "paid" ? "paid" : failed ? "failed" : "waiting";
  $("taxes-pay-result-text").textContent = resultText(shown.state);
  $("taxes-pay-close").hidden = !(shown.state === "paid" || failed);
}

function texts() {
  $("taxes-pay-kicker").textContent = t("Card payment:");
  $("taxes-pay-cancel-text").textContent = t("Cancel payment");
  $("taxes-pay-close-text").textContent = t("Close");
  $("taxes-pay-frame").title = t("The bank's card payment page");
  if (shown) render();
}

$("taxes-pay-cancel").addEventListener("click", cancel);
$("taxes-pay-close").addEventListener("click", clear);

registerBoothModule({
  name: NAME,
  frames: { taxes_pay: onPay, taxes_pay_state: onState },
  state: { get payment() { return shown ? { ...shown } : null; } },
  onLanguage: texts,
  onHide: () => { if (shown && shown.state !== "opened") clear(); },
  onCallEnded: clear,
});
