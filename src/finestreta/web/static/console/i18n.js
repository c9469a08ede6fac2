// The console's side of common/i18n.js: it loads the clerk's language's texts (the "console"
// gettext domain with the procedures' panels', /i18n/console/{lang}.json) and the server's error
// catalogue (/i18n/errors/console/{lang}.json) before anything else runs (top-level await), so
// that importers translate at once with common/i18n.js's t(); and it says what the clerk reads
// when the catalogue has no text for an error. Dates and times in the clerk's language below.

import { errorText as catalogueText, loadTexts, t } from "/static/common/i18n.js";

export { t };

const root = document.getElementById("console");
export const lang = (root && root.dataset.lang) || document.documentElement.lang || "ca";

await loadTexts({
  texts: `/i18n/console/${encodeURIComponent(lang)}.json`,
  errors: `/i18n/errors/console/${encodeURIComponent(lang)}.json`,
  lang,
  timeoutMs: 4000,
});

// What the clerk reads for a refusal (an ApiError or an error frame): the catalogue's text for
// its code, else the server's message (frames only: an ApiError's is English for developers),
// else a general line.
export function errorText(error) {
  if (error && error.code === "offline") return t("No connection to the office. Try again when it is back.");
  return catalogueText(error, () => {
    if (error && error.message && !(error instanceof Error)) return error.message;
    if (error && error.status) return t("The request failed (error {status}).", { status: error.status });
    return t("Something went wrong. Try again.");
  });
}

// ---------------------------------------------------------------- formatting
// Times are the city's (as the server writes them, e.g. a scan's title), not the browser's,
// which may be set to another zone: labelled with the zone's short name ("09:10 CET").
export const timeZone = (root && root.dataset.timezone) || "Europe/Madrid";
const clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone, timeZoneName: "short" });

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

// What the clerk reads once a printout is asked for (the answer of a print request): `sent`
// when the booth's printer can print now; otherwise that the printout waits for the printer,
// and is dropped if the call ends first (jobs expire with their call), never "sent".
export function printOutcome(answer, sent) {
  if (!answer || answer.printer_ready !== false) return { text: sent, kind: "ok" };
  return {
    text: t("Not printed yet: the booth's printer is not available. It will print when the printer is back, unless the call ends first."),
    kind: "error",
  };
}
