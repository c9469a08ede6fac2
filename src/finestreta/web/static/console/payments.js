// The clerk's card payments of the day, under today's attentions: every order the clerk opened
// (GET /api/payments/orders), with its state. A notification that comes after the citizen has
// left still settles the order, and shows here. Refreshed when the day's attentions change and
// when a procedure says a payment moved (the "finestreta:payment" event its panel dispatches).

import { api } from "/static/common/api.js";
import { t, lang, formatClock } from "./i18n.js";

const euros = (cents) => new Intl.NumberFormat(lang === "es" ? "es-ES" : "ca-ES",
  { style: "currency", currency: "EUR" }).format(cents / 100);

const STATE = () => ({
  open: t("Open"),
  paid: t("Paid"),
  declined: t("Declined"),
  expired: t("Expired"),
  cancelled: t("Cancelled"),
});

let section = null;
let loading = false;

function build(after) {
  section = document.createElement("section");
  section.className = "payments-today";
  section.id = "payments-today";
  section.setAttribute("aria-labelledby", "payments-today-title");
  section.hidden = true;
  const title = document.createElement("h2");
  title.id = "payments-today-title";
  title.textContent = t("Card payments today");
  const list = document.createElement("ul");
  list.id = "payments-today-list";
  section.append(title, list);
  after.append(section);
}

function row(order) {
  const li = document.createElement("li");
  li.dataset.order = order.number;
  li.dataset.state = order.state;
  const when = order.settled_at || order.created_at;
  const parts = [formatClock(when), order.number, euros(order.amount), STATE()[order.state] || order.state];
  if (order.refund_due) parts.push(t("to be refunded"));
  li.textContent = parts.join(" · ");
  return li;
}

export async function refreshPayments() {
  if (!section || loading) return;
  loading = true;
  try {
    const body = await api("/api/payments/orders");
    const items = body.items || [];
    section.hidden = items.length === 0;
    document.getElementById("payments-today-list").replaceChildren(...items.map(row));
  } catch (err) {
    console.warn("payments of the day", err);
  } finally {
    loading = false;
  }
}

export function setUpPayments(today) {
  if (!today) return;
  build(today);
  document.addEventListener("finestreta:payment", () => refreshPayments());
  refreshPayments();
}
