// The pages' texts, one way for all of them: the booth, the console, and the procedures' panels
// and booth modules. Message ids are the English texts, written t("Literal English text") so
// that pybabel finds them (scripts/i18n: a page's folder is one gettext domain, a procedure's
// static/ goes to the procedure's own); a missing translation shows the English id.
//
// A page loads its tables once (loadTexts): its domain's texts, which the server merges with the
// procedures' domains, and the server's error catalogue (docs/errors.md). The console speaks one
// language, the clerk's; the booth gets its three languages at once and switches on the spot
// when the citizen chooses (setLanguage). This module holds no text of its own: what a page says
// when the catalogue has nothing for an error is the page's (errorText's `otherwise`).

const texts = {}; // lang → {msgid: text}
const errors = {}; // lang → {code: text}
const asked = new Set(); // the URLs of the tables asked for
const arrived = new Set(); // … and of those that came
let current = document.documentElement.lang || "ca";

// Fill {placeholders} from an object (unknown ones stay as they are).
export function fill(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in vars ? String(vars[key]) : whole));
}

async function load(url, timeoutMs) {
  const abort = new AbortController();
  const timer = timeoutMs ? setTimeout(() => abort.abort(), timeoutMs) : 0;
  try {
    const response = await fetch(url, { cache: "no-store", credentials: "same-origin", signal: abort.signal });
    if (response.ok) {
      const data = await response.json();
      if (data && typeof data === "object") return data;
    }
    console.warn("texts unavailable:", url, response.status);
  } catch (err) {
    console.warn("texts unavailable:", url, err); // English it is, for now
  } finally {
    clearTimeout(timer);
  }
  return null;
}

// Loads the page's tables; true once all are in. Called again (the booth retries while the
// server restarts), it asks only for what has not come yet.
//   texts, errors: the URLs of the page's texts and of its error catalogue;
//   lang: the one language both are in (the console), or none: each holds {lang: table} (the booth);
//   timeoutMs: give up on a request after this long (none by default).
export async function loadTexts({ texts: textsUrl, errors: errorsUrl, lang = null, timeoutMs = 0 }) {
  if (lang) current = lang;
  const wanted = [[textsUrl, texts], [errorsUrl, errors]].filter(([url]) => url && !arrived.has(url));
  await Promise.all(wanted.map(async ([url, into]) => {
    asked.add(url);
    const data = await load(url, timeoutMs);
    if (!data || arrived.has(url)) return;
    for (const [code, table] of Object.entries(lang ? { [lang]: data } : data)) {
      into[code] = { ...into[code], ...table };
    }
    arrived.add(url);
  }));
  return textsLoaded();
}

// Everything asked for has arrived.
export function textsLoaded() {
  return [...asked].every((url) => arrived.has(url));
}

export function setLanguage(lang) {
  current = lang;
  return current;
}

export function language() {
  return current;
}

// t("Waited {time}", { time: "2 min" }): translated into the page's language (or `lang`), then
// the {placeholders} filled in.
export function t(msgid, vars = null, lang = current) {
  const table = texts[lang];
  return fill((table && table[msgid]) || msgid, vars);
}

// What a person reads for a refusal (an ApiError of common/api.js, or an error frame
// {code, message, details}): the catalogue's text for its code in the page's language, its
// {placeholders} filled from the details. For a code the catalogue has no text for:
// `otherwise` (a text, or a function of the error), by default the catalogue's text for
// `internal`, the general "something went wrong" (then the server's English message, while the
// catalogue has not arrived).
export function errorText(error, otherwise = undefined) {
  const table = errors[current] || {};
  const code = error && error.code;
  if (code && Object.hasOwn(table, code)) return fill(table[code], error.details);
  if (otherwise !== undefined) return typeof otherwise === "function" ? otherwise(error) : otherwise;
  return table.internal || (error && error.message) || "";
}
