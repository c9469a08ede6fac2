// The console's texts: English ids written t("...") in the scripts (extracted by scripts/i18n
// into the "console" gettext domain, and each procedure's panel into its own), translated
// through /i18n/console/{lang}.json; the texts of error codes come from the server's catalogue
// (/i18n/errors/console/{lang}.json). This module waits for both (top-level await), so
// importers can translate at once.

import { fill } from "/static/common/api.js";

const root = document.getElementById("console");
export const lang = (root && root.dataset.lang) || document.documentElement.lang || "ca";

async function load(path) {
  try {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 4000);
    const response = await fetch(path, { credentials: "same-origin", signal: abort.signal });
    clearTimeout(timer);
    if (response.ok) return await response.json();
    console.warn("console texts unavailable:", path, response.status);
  } catch (err) {
    console.warn("console texts unavailable:", path, err);  // English it is
  }
  return {};
}

// The console's texts (with the procedures' panels') and the server's error catalogue.
const [table, errors] = await Promise.all([
  load(`/i18n/console/${encodeURIComponent(lang)}.json`),
  load(`/i18n/errors/console/${encodeURIComponent(lang)}.json`),
]);

// t("Waited {time}", { time: "2 min" }): translate, then fill in {placeholders}.
export function t(text, vars) {
  return fill(table[text] || text, vars);
}

// What the clerk reads for a refusal: the server catalogue's text for its code (details fill
// its placeholders), else the server's message, else a generic line. Takes an ApiError (from
// common/api.js) or an error frame ({code, message, details}).
export function errorText(error) {
  const code = error && error.code;
  if (code === "offline") return t("No connection to the office. Try again when it is back.");
  if (code && errors[code]) return fill(errors[code], error.details);
  if (error && error.message && !(error instanceof Error)) return error.message;
  if (error && error.status) return t("The request failed (error {status}).", { status: error.status });
  return t("Something went wrong. Try again.");
}

// ---------------------------------------------------------------- formatting
const clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });

// Server times are ISO 8601; a time without a zone is UTC (as SQLite hands it back).
export function parseTime(value) {
  if (!value) return null;
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatClock(value) {
  const date = value instanceof Date ? value : parseTime(value);
  return date ? clock.format(date) : "—";
}

// A call timer: 0:07, 4:32, 1:02:09.
export function formatTimer(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

// A span of time in words: 45 s, 2 min 05 s, 1 h 12 min (same units in ca, es and en).
export function formatSpan(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}
