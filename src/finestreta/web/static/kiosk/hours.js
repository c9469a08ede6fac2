// Opening hours as the office frame sends them ([{day: "mon", opens: "08:30", closes: "14:00"}, …])
// turned into lines for people: consecutive days with the same hours are grouped, day names and
// lists come from the browser's Intl data in the booth's language.

import { t } from "/static/common/i18n.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function capitalise(text, lang) {
  return text ? text.charAt(0).toLocaleUpperCase(lang) + text.slice(1) : text;
}

function dayName(code, lang) {
  const index = DAYS.indexOf(code);
  // 1 January 2024 was a Monday.
  const date = new Date(Date.UTC(2024, 0, 1 + index, 12));
  return new Intl.DateTimeFormat(lang, { weekday: "long", timeZone: "UTC" }).format(date);
}

function joinList(items, lang) {
  if (items.length < 2) return items.join("");
  try {
    return new Intl.ListFormat(lang, { style: "long", type: "conjunction" }).format(items);
  } catch {
    return items.join(", ");
  }
}

function spanText(span) {
  if (span.opens === "00:00" && span.closes === "24:00") return t("all day");
  return t("{opens} to {closes}", { opens: span.opens, closes: span.closes });
}

// [{days: "Monday to Friday", times: "08:30 to 14:00 and 16:00 to 19:00"}, …]
export function describeHours(hours, lang) {
  const byDay = new Map();
  for (const span of hours || []) {
    if (!DAYS.includes(span.day)) continue;
    if (!byDay.has(span.day)) byDay.set(span.day, []);
    byDay.get(span.day).push(span);
  }
  const rows = [];
  let run = null;
  for (const day of DAYS) {
    const spans = byDay.get(day);
    const key = spans ? spans.map((s) => `${s.opens}-${s.closes}`).join(",") : null;
    if (run && key !== null && run.key === key && run.last === DAYS.indexOf(day) - 1) {
      run.last = DAYS.indexOf(day);
      continue;
    }
    if (run) rows.push(run);
    run = key === null ? null : { key, spans, first: DAYS.indexOf(day), last: DAYS.indexOf(day) };
  }
  if (run) rows.push(run);
  return rows.map((row) => {
    const first = dayName(DAYS[row.first], lang);
    const last = dayName(DAYS[row.last], lang);
    let days;
    if (row.first === row.last) days = first;
    else if (row.last === row.first + 1) days = joinList([first, last], lang);
    else days = t("{first} to {last}", { first, last });
    const times = joinList(row.spans.map(spanText), lang);
    return { days: capitalise(days, lang), times: capitalise(times, lang) };
  });
}
