// The supervisor's wallboard (docs/wallboard.md): live over /ws/supervisor, no polling. The
// server pushes a "wallboard" frame on connect and whenever the hub changes (coalesced); waits
// and times in a state tick here, from the timestamps it sent. A past day or range comes from
// GET /api/supervision/figures. Charts are inline SVG, each with a table of the same figures;
// states are written in words (and icons), never told by colour alone.
// Texts come translated from the page (templates/wallboard.html, "messages" domain).

import { Channel } from "/static/common/socket.js";
import { errorText, fill, loadTexts } from "/static/common/i18n.js";

const $ = (id) => document.getElementById(id);
const root = $("wallboard");
const L = JSON.parse($("wb-labels").textContent || "{}");
const lang = root.dataset.lang || document.documentElement.lang || "ca";
const timeZone = root.dataset.timezone || "Europe/Madrid";
const label = (key, vars) => fill(L[key] || key, vars);
// The names of the keys the figures use (topic, procedure, outcome, language), translated by the
// page; a key it has no name for is shown as it is.
const NAMES = JSON.parse($("wb-names").textContent || "{}");
const named = (kind, key) => (NAMES[kind] && NAMES[kind][key]) || key;
const clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone });
const percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
const ICONS = { available: "●", ringing: "◔", in_call: "☎", wrap_up: "✎", away: "❚❚", offline: "○", idle: "○", waiting: "◷" };
const CLERK_STATES = ["available", "ringing", "in_call", "wrap_up", "away", "offline"];
const BOOTH_STATES = ["idle", "waiting", "in_call", "offline"];

const S = { board: null, live: true, figures: null, skew: 0 };

loadTexts({ errors: `/i18n/errors/console/${encodeURIComponent(lang)}.json`, lang, timeoutMs: 4000 });

// ------------------------------------------------------------------ helpers
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined) continue;
    if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function span(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

// Seconds since an ISO time, by the server's clock (the skew measured at each frame).
function since(iso) {
  if (!iso) return null;
  return (Date.now() + S.skew - new Date(iso).getTime()) / 1000;
}

const ratio = (value) => (value === null || value === undefined ? "—" : percent.format(value));
const seconds = (value) => (value === null || value === undefined ? "—" : span(value));

function showError(message) {
  $("wb-error").textContent = message || "";
}

// ------------------------------------------------------------------ the socket
const channel = new Channel("/ws/supervisor", {
  onFrame(frame) {
    if (frame.type === "wallboard") {
      S.board = frame;
      S.skew = new Date(frame.now.at).getTime() - Date.now();
      renderNow();
      renderHelp();
      if (S.live) {
        S.figures = frame.today;
        renderFigures();
      }
    } else if (frame.type === "error") {
      showError(errorText(frame, frame.message));
    }
  },
  onStatus(status) {
    const box = $("wb-connection");
    box.dataset.state = status;
    box.textContent = label(status === "open" ? "open" : status);
  },
});

function send(frame) {
  showError("");
  if (!channel.send(frame)) showError(label("network"));
}

// ------------------------------------------------------------------ now
function countList(id, kind, items) {
  const list = $(id);
  list.replaceChildren(...(items.length ? items.map((item) =>
    el("li", { dataset: { key: item.key } }, el("span", { class: "wb-count-key", text: named(kind, item.key) }), el("strong", { text: String(item.count) })))
    : [el("li", { text: label("nobody") })]));
}

function stateCounts(id, states, items, extra = []) {
  const counts = Object.fromEntries(states.map((s) => [s, 0]));
  for (const item of items) counts[item.state] = (counts[item.state] || 0) + 1;
  const entries = [...states.map((s) => [s, counts[s]]), ...extra];
  $(id).replaceChildren(...entries.map(([state, count]) => el("li", { dataset: { state } },
    el("span", { class: "wb-icon", "aria-hidden": "true", text: ICONS[state] || "⚠" }),
    el("span", { class: "wb-state-name", text: label(state) }),
    el("strong", { class: "wb-state-count", text: String(count) }))));
}

function renderNow() {
  const now = S.board.now;
  $("now-waiting").textContent = String(now.waiting);
  $("tile-waiting").dataset.alert = String(now.waiting > 0);
  $("now-longest").dataset.since = now.longest_since || "";
  countList("now-by-topic", "topic", now.by_topic);
  countList("now-by-language", "language", now.by_language);
  stateCounts("now-clerk-states", CLERK_STATES, now.clerks);
  // An offline booth counts as offline only (the server sends no problem for it): a device
  // problem is a connected booth's (docs/wallboard.md).
  const problems = now.booths.filter((b) => b.problem && b.state !== "offline").length;
  stateCounts("now-booth-states", BOOTH_STATES, now.booths, [["device_problem", problems]]);
  $("clerks-body").replaceChildren(...now.clerks.map(clerkRow));
  $("booths-body").replaceChildren(...now.booths.map(boothRow));
  tick();
}

function clerkRow(clerk) {
  const canSet = ["available", "away"].includes(clerk.state);
  const target = clerk.state === "away" ? "available" : "away";
  const button = canSet
    ? el("button", {
      type: "button",
      class: "wb-action",
      "aria-label": label(`set_${target}_of`, { name: clerk.name }),
      dataset: { clerkId: clerk.id, state: target },
      text: label(`set_${target}`),
    })
    // why there is nothing to press: a supervisor should not be left guessing
    : el("span", { class: "wb-no-change", text: label(clerk.state === "offline" ? "no_change_offline" : "no_change_busy") });
  return el("tr", { dataset: { clerkId: clerk.id, state: clerk.state } },
    el("th", { scope: "row", text: clerk.name }),
    el("td", {}, el("span", { class: "wb-icon", "aria-hidden": "true", text: ICONS[clerk.state] || "" }), ` ${label(clerk.state)}`),
    el("td", { class: "wb-since", dataset: { since: clerk.since || "" }, text: "—" }),
    el("td", {}, button));
}

function boothRow(booth) {
  let devices = label("devices_ok");
  if (booth.state === "offline") devices = label("devices_offline");
  else if (booth.problem) devices = `⚠ ${label("device_problem")}: ${label(booth.problem)}`;
  return el("tr", { dataset: { boothId: booth.id, state: booth.state, problem: booth.problem || "" } },
    el("th", { scope: "row", text: booth.name }),
    el("td", { text: booth.site || "—" }),
    el("td", { class: "wb-booth-state" }, el("span", { class: "wb-icon", "aria-hidden": "true", text: ICONS[booth.state] || "" }), ` ${label(booth.state)}`),
    el("td", { text: devices }));
}

function renderHelp() {
  const calls = S.board.help;
  $("wb-help").hidden = calls.length === 0;
  $("wb-help-list").replaceChildren(...calls.map((call) => el("li", { dataset: { clerkId: call.clerk_id } },
    el("span", { class: "wb-help-text", dataset: { since: call.since, name: call.name } }),
    el("button", {
      type: "button",
      class: "wb-action",
      "aria-label": label("acknowledge_of", { name: call.name }),
      dataset: { acknowledge: call.clerk_id },
      text: label("acknowledge"),
    }))));
  tick();
}

// The waits and times in a state, once a second, from the timestamps the server sent.
function tick() {
  if (!S.board) return;
  const longest = $("now-longest");
  longest.textContent = longest.dataset.since ? span(since(longest.dataset.since)) : "—";
  for (const cell of document.querySelectorAll(".wb-since")) {
    cell.textContent = cell.dataset.since ? span(since(cell.dataset.since)) : label("unknown_since");
  }
  for (const text of document.querySelectorAll(".wb-help-text")) {
    const at = new Date(text.dataset.since);
    text.textContent = label("asks_help", { name: text.dataset.name, time: clock.format(at), span: span(since(text.dataset.since)) });
  }
}
setInterval(tick, 1000);

document.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.dataset.acknowledge) {
    send({ type: "acknowledge_help", clerk_id: Number(button.dataset.acknowledge), ref: "acknowledge_help" });
  } else if (button.dataset.clerkId && button.dataset.state) {
    send({ type: "set_clerk_state", clerk_id: Number(button.dataset.clerkId), state: button.dataset.state, ref: "set_clerk_state" });
  }
});

// ------------------------------------------------------------------ figures
function tile(key, value, sub = "") {
  return el("div", { class: "wb-tile", dataset: { figure: key } },
    el("p", { class: "wb-tile-label", text: label(key) }),
    el("p", { class: "wb-tile-value", text: value }),
    sub ? el("p", { class: "wb-tile-sub", text: sub }) : null);
}

// A horizontal bar chart (inline SVG, hidden from assistive technology) and its table; with
// nothing to draw (today before any call), a sentence saying so instead.
const CHART = { width: 600, rowHeight: 34, labelWidth: 250, gap: 12, valueRoom: 60 };

function chart(title, rows, columns) {
  if (!rows.some((r) => r.value > 0)) {
    return el("figure", { class: "wb-chart", dataset: { empty: "true" } },
      el("figcaption", { text: title }),
      el("p", { class: "wb-empty", text: label(S.live ? "no_data_today" : "no_data") }));
  }
  const { width, rowHeight, labelWidth, gap, valueRoom } = CHART;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${Math.max(1, rows.length) * rowHeight + 4}`);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("wb-chart-svg");
  const svgEl = (tag, attrs) => {
    const node = document.createElementNS(svg.namespaceURI, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    return node;
  };
  rows.forEach((row, index) => {
    const y = index * rowHeight + 4;
    const shown = row.text ?? String(row.value);
    // the full name and figure on hover; cut names are whole in the table too
    const tooltip = svgEl("title", {});
    tooltip.textContent = `${row.label}: ${shown}`;
    const name = svgEl("text", { x: 0, y: y + 20, class: "wb-chart-label" });
    name.dataset.full = row.label;
    name.textContent = clip(row.label, Math.floor((labelWidth - gap) / 10));
    const length = Math.round(((width - labelWidth - valueRoom) * row.value) / max);
    const bar = svgEl("rect", { x: labelWidth, y: y + 4, width: Math.max(row.value ? 2 : 0, length), height: 22 });
    const value = svgEl("text", { x: labelWidth + length + 8, y: y + 20 });
    value.textContent = shown;
    const group = svgEl("g", {});
    group.append(tooltip, name, bar, value);
    svg.append(group);
  });
  const table = el("table", { class: "wb-table" },
    el("caption", { text: title }),
    el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", { scope: "col", text: c })))),
    el("tbody", {}, ...rows.map((row) => el("tr", {},
      el("th", { scope: "row", text: row.label }),
      ...(row.cells || [row.text ?? String(row.value)]).map((c) => el("td", { text: c }))))));
  return el("figure", { class: "wb-chart" },
    el("figcaption", { text: title }),
    el("p", { class: "visually-hidden", text: label("chart_of", { title }) }),
    svg,
    el("details", {}, el("summary", { text: label("show_table") }), el("div", { class: "table-wrap" }, table)));
}

function clip(text, chars) {
  return text.length <= chars ? text : `${text.slice(0, Math.max(1, chars - 1)).trimEnd()}…`;
}

// Once drawn, each name is cut to what really fits its column (measured in the chart's units),
// so a long one (a civic centre's full name) ends in "…" and never runs into its bar.
function fitLabels(container) {
  const room = CHART.labelWidth - CHART.gap;
  for (const text of container.querySelectorAll("text.wb-chart-label")) {
    const full = text.dataset.full || "";
    const estimate = text.textContent;
    text.textContent = full;
    const length = text.getComputedTextLength();
    if (!length) text.textContent = estimate; // not laid out: keep the cut by characters
    if (!length || length <= room) continue;
    let fits = 0;
    let over = full.length;
    while (over - fits > 1) {
      const middle = Math.floor((fits + over) / 2);
      text.textContent = clip(full, middle + 1);
      if (text.getComputedTextLength() <= room) fits = middle;
      else over = middle;
    }
    text.textContent = clip(full, fits + 1);
  }
}

function bucketLabel(bucket) {
  return bucket.upper === null || bucket.upper === undefined
    ? label("seconds_range", { from: bucket.lower, to: "∞" }).replace("–∞", "+")
    : label("seconds_range", { from: bucket.lower, to: bucket.upper });
}

function groupLabel(key, row) {
  if (key === "by_procedure") return row.key ? named("procedure", row.key) : label("none_procedure");
  if (key === "by_topic") return named("topic", row.key);
  if (key === "by_site") return row.key || label("none_site");
  return row.label;
}

function breakdown(key, rows) {
  const columns = [label("group"), label("offered"), label("answered"), label("abandoned"), label("service_level"), label("asa"), label("aht"), label("satisfaction")];
  return chart(label(key), rows.map((r) => ({
    label: groupLabel(key, r),
    value: r.offered,
    cells: [String(r.offered), String(r.answered), String(r.abandoned), ratio(r.service_level),
      seconds(r.average_speed_of_answer), seconds(r.average_handle_time),
      r.satisfaction === null ? "—" : decimal.format(r.satisfaction)],
  })), columns);
}

function renderFigures() {
  const data = S.figures;
  if (!data) return;
  const total = data.total;
  const sat = total.satisfaction;
  $("period-tiles").replaceChildren(
    tile("offered", String(total.offered)),
    tile("answered", String(total.answered), label("of_offered", { rate: ratio(total.offered ? total.answered / total.offered : null) })),
    tile("abandoned", String(total.abandoned), label("of_offered", { rate: ratio(total.abandon_rate) })),
    tile("service_level", ratio(total.service_level), label("within", { seconds: data.answer_within_s })),
    tile("asa", seconds(total.average_speed_of_answer)),
    tile("aht", seconds(total.average_handle_time)),
    tile("ring_no_answer", String(total.ring_no_answer)),
    tile("transfers", String(total.transfers), total.transfers ? "" : label("transfers_none")),
    tile("satisfaction", sat.mean === null ? "—" : decimal.format(sat.mean), label("response_rate", { rate: ratio(sat.response_rate) })),
  );
  const count = label("count");
  const charts = [
    chart(label("abandon_histogram"), total.abandon_histogram.map((b) => ({ label: bucketLabel(b), value: b.count })), [label("abandon_histogram"), count]),
    chart(label("ratings"), [1, 2, 3, 4, 5].map((n) => ({ label: label("rating_n", { n }), value: sat.distribution[String(n)] || 0 })), [label("ratings"), count]),
    chart(label("outcomes"), Object.entries(total.outcomes).map(([k, v]) => ({ label: named("outcome", k), value: v })), [label("outcomes"), count]),
    chart(label("by_hour"), data.by.hour.map((r) => ({ label: label("hour_n", { hour: r.label }), value: r.offered })), [label("by_hour"), label("offered")]),
    ...["site", "booth", "topic", "procedure", "clerk"].map((k) => breakdown(`by_${k}`, data.by[k])),
  ];
  $("period-charts").replaceChildren(...charts);
  fitLabels($("period-charts"));
}

// ------------------------------------------------------------------ the period
function todayIso() {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  return parts;
}

// A day as Catalan and Spanish write it (23/11/2026), from the form's YYYY-MM-DD.
function dayText(iso) {
  const [year, month, day] = iso.split("-");
  return `${day}/${month}/${year}`;
}

function setLive() {
  S.live = true;
  $("wb-period-title").textContent = label("today");
  $("period-from").value = todayIso();
  $("period-to").value = todayIso();
  $("wb-period-note").textContent = label("showing_today");
  if (S.board) {
    S.figures = S.board.today;
    renderFigures();
  }
}

async function showRange(from, to) {
  if (from === todayIso() && to === todayIso()) {
    setLive();
    return;
  }
  S.live = false;
  $("wb-period-note").textContent = label("loading");
  try {
    const response = await fetch(`/api/supervision/figures?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { credentials: "same-origin", cache: "no-store" });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      $("wb-period-note").textContent = body && body.error ? errorText(body.error, body.error.message) : label("failed", { status: response.status });
      return;
    }
    S.figures = body;
    $("wb-period-title").textContent = from === to
      ? label("day_title", { date: dayText(from) })
      : label("range_title", { from: dayText(from), to: dayText(to) });
    $("wb-period-note").textContent = label("showing_range");
    renderFigures();
  } catch {
    $("wb-period-note").textContent = label("network");
  }
}

$("wb-period").addEventListener("submit", (event) => {
  event.preventDefault();
  showRange($("period-from").value, $("period-to").value);
});
$("period-today").addEventListener("click", setLive);
setLive();
