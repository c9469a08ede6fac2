// Supervisor's view of the booth fleet: /api/fleet every 5 seconds, as an accessible table;
// and the payment notifications refused lately (/api/payments/refusals), in another.
// Texts come translated from the page (templates/supervisor.html, "messages" domain).

import { fill } from "/static/common/i18n.js";

const $ = (id) => document.getElementById(id);
const L = JSON.parse($("fleet-labels").textContent || "{}");
const lang = document.documentElement.lang || "ca";
const label = (key, fallback) => L[key] || fallback || key;
const dateTime = new Intl.DateTimeFormat(lang, { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
const clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function parseTime(value) {
  if (!value) return null;
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

function badge(ok, text, extra) {
  const span = document.createElement("span");
  span.className = "badge";
  span.dataset.ok = String(ok);
  const icon = document.createElement("span");
  icon.className = "badge-icon";
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = ok ? "✔" : "⚠";
  span.append(icon, document.createTextNode(` ${text}`));
  if (extra) {
    const sub = document.createElement("span");
    sub.className = "sub";
    sub.textContent = extra;
    span.append(sub);
  }
  return span;
}

function mediaText(value, okKey, badKey) {
  if (value === null || value === undefined) return null;
  return value ? label(okKey) : label(badKey);
}

function row(booth) {
  const tr = document.createElement("tr");
  tr.dataset.kioskId = booth.kiosk_id;
  const printer = booth.printer || {};
  const scanner = booth.scanner || {};
  tr.dataset.printerOk = String(Boolean(printer.ok));
  const cell = (content, header = false) => {
    const el = document.createElement(header ? "th" : "td");
    if (header) el.scope = "row";
    if (content instanceof Node) el.append(content); else el.textContent = content ?? "—";
    tr.append(el);
    return el;
  };
  const name = cell(booth.name || booth.code, true);
  if (booth.code && booth.name) {
    const code = document.createElement("span");
    code.className = "sub";
    code.textContent = booth.code;
    name.append(code);
  }
  cell(booth.site || "—");
  cell(!booth.enabled ? badge(false, label("disabled")) : badge(Boolean(booth.online), booth.online ? label("online") : label("offline")));
  const activity = cell(label(booth.activity, booth.activity));
  activity.dataset.activity = booth.activity || "";
  const seen = parseTime(booth.last_seen);
  cell(seen ? dateTime.format(seen) : label("never"));

  const reasons = (printer.reasons || []).join(", ");
  const detail = [
    printer.state ? `${label("state")}: ${printer.state}` : "",
    reasons ? `${label("reasons")}: ${reasons}` : "",
  ].filter(Boolean).join(" · ");
  const printerText = printer.ok ? label("printer_ok") : `${label("printer_bad")}: ${label(printer.reason, printer.reason || label("unknown"))}`;
  const pcell = cell(badge(Boolean(printer.ok), printerText, detail));
  pcell.className = "printer";
  cell(badge(Boolean(scanner.ok), scanner.ok ? label("scanner_ok") : `${label("scanner_bad")}: ${label(scanner.reason, scanner.reason || label("unknown"))}`));
  const cam = mediaText(booth.camera, "camera_ok", "camera_bad");
  const mic = mediaText(booth.microphone, "mic_ok", "mic_bad");
  if (cam === null && mic === null) cell(label("unknown"));
  else cell(badge(booth.camera !== false && booth.microphone !== false, [cam, mic].filter(Boolean).join(", ")));
  cell(booth.last_error || "—");
  return tr;
}

function status(kind, message) {
  const el = $("fleet-status");
  el.dataset.kind = kind;
  if (el.textContent !== message) el.textContent = message;
}

async function refresh() {
  try {
    const response = await fetch("/api/fleet", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) {
      status("error", fill(label("failed"), { status: response.status }));
      return;
    }
    const body = await response.json();
    const booths = body.booths || [];
    $("fleet-body").replaceChildren(...booths.map(row));
    $("fleet-empty").hidden = booths.length > 0;
    const summary = fill(label("summary"), {
      total: booths.length,
      online: booths.filter((b) => b.online).length,
      in_call: booths.filter((b) => b.activity === "in_call").length,
      cannot_print: booths.filter((b) => !(b.printer && b.printer.ok)).length,
    });
    // Announce the summary only when it changes, not every 5 s.
    if ($("fleet-summary").textContent !== summary) $("fleet-summary").textContent = summary;
    status("", "");
    $("fleet-updated").textContent = fill(label("updated"), { time: clock.format(new Date()) });
  } catch {
    status("error", label("network"));
  }
}

function refusalRow(item) {
  const tr = document.createElement("tr");
  const at = parseTime(item.at);
  const cells = [
    at ? dateTime.format(at) : "—",
    item.order || "—",
    label(item.code, item.code || "—"),
    item.remote || "—",
    item.size === null || item.size === undefined ? "—" : String(item.size),
  ];
  cells.forEach((text, index) => {
    const el = document.createElement(index === 0 ? "th" : "td");
    if (index === 0) el.scope = "row";
    el.textContent = text;
    tr.append(el);
  });
  tr.dataset.code = item.code || "";
  return tr;
}

async function refreshRefusals() {
  const note = $("refusals-status");
  try {
    const response = await fetch("/api/payments/refusals", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) {
      note.dataset.kind = "error";
      note.textContent = fill(label("refusals_failed"), { status: response.status });
      return;
    }
    const items = (await response.json()).items || [];
    $("refusals-body").replaceChildren(...items.map(refusalRow));
    $("refusals-empty").hidden = items.length > 0;
    note.dataset.kind = "";
    note.textContent = "";
  } catch {
    note.dataset.kind = "error";
    note.textContent = label("network");
  }
}

function refreshAll() {
  refresh();
  refreshRefusals();
}

refreshAll();
setInterval(refreshAll, 5000);
