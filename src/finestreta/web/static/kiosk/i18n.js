// The booth's texts: every language's table comes at once from /i18n/kiosk.json (the "kiosk"
// gettext domain), since the citizen switches language on the booth itself. Message ids are the
// English texts, so a missing translation falls back to English.
//
// Write texts as t("Literal English text"): pybabel extracts only literal strings inside t(…).
// Placeholders are plain {name} markers filled with .replace("{name}", value).

export const LANGUAGES = ["ca", "es", "en"];
export const DEFAULT_LANGUAGE = "ca";

let tables = {};
let current = DEFAULT_LANGUAGE;
let loaded = false;

export async function loadTexts() {
  try {
    const response = await fetch("/i18n/kiosk.json", { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) return false;
    const data = await response.json();
    if (data && typeof data === "object") {
      tables = data;
      loaded = true;
    }
    return loaded;
  } catch {
    return false;
  }
}

export function textsLoaded() {
  return loaded;
}

export function setLanguage(lang) {
  current = LANGUAGES.includes(lang) ? lang : DEFAULT_LANGUAGE;
  return current;
}

export function language() {
  return current;
}

// t("English text") in the current language; t("English text", "es") in a given one.
export function t(msgid, lang) {
  const table = tables[lang || current];
  const text = table && table[msgid];
  return text || msgid;
}
