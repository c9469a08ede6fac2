// The information catalogue on the booth: the citizen searches (as they type) and browses by
// topic on their own, and reads an entry; the clerk may also show an entry during a call.
// Protocol: GET /api/catalogue?q=&lang=&category=&limit= and GET /api/catalogue/{slug}?lang=
// (docs/catalogue.md). Every text from the server is set with textContent; highlights are
// [start, end) offsets in code points, turned into <mark> elements here — never innerHTML.
// The booth is a kiosk: links are shown as text and never followed.

import { t } from "/static/common/i18n.js";
import { ENTRY_HEADINGS } from "./texts.js";

const SEARCH_DELAY_MS = 300;
const RESULT_LIMIT = 50;
const MAX_QUERY = 200;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const $ = (id) => document.getElementById(id);

export function validSlug(slug) {
  return typeof slug === "string" && slug.length > 0 && slug.length <= 80 && SLUG.test(slug);
}

async function getJSON(url, signal) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store", signal });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const data = await response.json();
  if (!data || data.ok !== true) throw new Error("unexpected answer");
  return data;
}

export function searchCatalogue({ q = "", lang, category = null, limit = RESULT_LIMIT }, signal) {
  const params = new URLSearchParams({ lang, limit: String(limit) });
  if (q) params.set("q", q.slice(0, MAX_QUERY));
  if (category) params.set("category", category);
  return getJSON(`/api/catalogue?${params}`, signal);
}

export async function loadEntry(slug, lang, signal) {
  if (!validSlug(slug)) throw new Error("bad slug");
  const data = await getJSON(`/api/catalogue/${encodeURIComponent(slug)}?lang=${encodeURIComponent(lang)}`, signal);
  if (!data.entry || typeof data.entry !== "object") throw new Error("no entry");
  return data.entry;
}

// Fills el with text, the [start, end) spans (code points, as the server counts) in <mark>.
export function highlight(el, text, spans) {
  const chars = Array.from(String(text ?? ""));
  const marks = (Array.isArray(spans) ? spans : [])
    .filter((s) => Array.isArray(s) && Number.isInteger(s[0]) && Number.isInteger(s[1]))
    .map(([a, b]) => [Math.max(0, a), Math.min(chars.length, b)])
    .filter(([a, b]) => a < b)
    .sort((x, y) => x[0] - y[0]);
  const nodes = [];
  let at = 0;
  for (const [start, end] of marks) {
    const a = Math.max(start, at);
    if (a >= end) continue;
    if (a > at) nodes.push(document.createTextNode(chars.slice(at, a).join("")));
    const mark = document.createElement("mark");
    mark.textContent = chars.slice(a, end).join("");
    nodes.push(mark);
    at = end;
  }
  if (at < chars.length) nodes.push(document.createTextNode(chars.slice(at).join("")));
  el.replaceChildren(...nodes);
}

function make(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = String(text);
  return el;
}

// What a link reads as on a screen that opens nothing: the address to note down.
function linkAddress(url) {
  const value = String(url || "");
  if (value.startsWith("tel:")) return value.slice(4);
  if (value.startsWith("mailto:")) return value.slice(7);
  return value;
}

function formatDate(iso, lang) {
  const date = new Date(String(iso || ""));
  if (Number.isNaN(date.getTime())) return "";
  try {
    return new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric" }).format(date);
  } catch {
    return date.toISOString().slice(0, 10);
  }
}

// An entry's texts as a fragment of headings (h{level}) and paragraphs. Texts the server took
// from Catalan (entry.fallback) are marked lang="ca", so that screen readers read them right.
export function renderEntry(container, entry, { level = 2, category = false } = {}) {
  const lang = String(entry.lang || "ca");
  const fallback = new Set(Array.isArray(entry.fallback) ? entry.fallback : []);
  const tagged = (el, field) => {
    if (lang !== "ca" && fallback.has(field)) el.lang = "ca";
    return el;
  };
  const heading = `h${Math.min(6, Math.max(2, level))}`;
  const parts = [];
  if (category && entry.category_label) parts.push(make("p", "entry-kicker", entry.category_label));
  if (lang !== "ca" && [...fallback].some((field) => field !== "keywords")) {
    parts.push(make("p", "entry-note", t("Part of this information is only available in Catalan.")));
  }
  if (entry.summary) parts.push(tagged(make("p", "entry-summary", entry.summary), "summary"));

  const section = (field, ...content) => {
    const box = make("section", `entry-section entry-${field.replace("_", "-")}`);
    box.append(make(heading, "entry-heading", ENTRY_HEADINGS[field]()), ...content);
    parts.push(box);
  };
  const list = (items, className, field) => {
    const ul = tagged(make("ul", className), field);
    for (const item of items) ul.append(item instanceof Node ? item : make("li", "", item));
    return ul;
  };

  if (entry.who) section("who", tagged(make("p", "entry-text", entry.who), "who"));
  const requirements = Array.isArray(entry.requirements) ? entry.requirements.filter(Boolean) : [];
  if (requirements.length) section("requirements", list(requirements, "entry-list", "requirements"));
  if (entry.fees) section("fees", tagged(make("p", "entry-text", entry.fees), "fees"));
  const channels = Array.isArray(entry.channels) ? entry.channels.map((c) => c && c.label).filter(Boolean) : [];
  if (channels.length) section("channels", list(channels, "entry-list entry-channels"));
  if (entry.where_when) section("where_when", tagged(make("p", "entry-text", entry.where_when), "where_when"));
  const links = Array.isArray(entry.links) ? entry.links.filter((l) => l && l.url) : [];
  if (links.length) {
    const items = links.map((link) => {
      const li = make("li", "entry-link");
      li.append(make("span", "entry-link-label", link.label || linkAddress(link.url)));
      const address = make("span", "entry-link-url", linkAddress(link.url));
      address.lang = "en"; // an address is not a word of the page's language
      address.setAttribute("translate", "no");
      li.append(address);
      return li;
    });
    section("links", make("p", "entry-hint", t("This booth does not open web pages: note the address to visit it later.")),
      list(items, "entry-link-list", "links"));
  }
  const updated = formatDate(entry.updated_at, lang);
  if (updated) parts.push(make("p", "entry-updated", t("Updated on {date}", { date: updated })));
  container.replaceChildren(...parts);
}

// The booth's catalogue screen: #screen-catalogue with its browse and entry views.
// hooks: lang() → the booth's language; back() and talk() → what the booth does next.
export function createCatalogue(hooks) {
  const input = $("catalogue-q");
  const cat = {
    view: "browse",
    query: "",
    category: null,
    categories: null, // [{id, label, count}] of the whole catalogue, in categoriesLang
    categoriesLang: null,
    data: null, // the last search answer (null on the topics screen)
    failed: false,
    entry: null,
    slug: null,
    seq: 0,
    timer: 0,
    controller: null,
    keyboard: false,
  };

  const home = () => !cat.query.trim() && !cat.category;

  function abort() {
    clearTimeout(cat.timer);
    cat.timer = 0;
    if (cat.controller) cat.controller.abort();
    cat.controller = null;
  }

  async function refresh() {
    abort();
    const seq = ++cat.seq;
    const controller = new AbortController();
    cat.controller = controller;
    const lang = hooks.lang();
    try {
      if (!cat.categories || cat.categoriesLang !== lang) {
        const all = await searchCatalogue({ lang, limit: 1 }, controller.signal);
        if (seq !== cat.seq) return;
        cat.categories = Array.isArray(all.categories) ? all.categories : [];
        cat.categoriesLang = lang;
      }
      if (home()) {
        cat.data = null;
      } else {
        const data = await searchCatalogue(
          { q: cat.query.trim(), lang, category: cat.category, limit: RESULT_LIMIT }, controller.signal);
        if (seq !== cat.seq) return;
        cat.data = data;
      }
      cat.failed = false;
    } catch (err) {
      if (seq !== cat.seq || (err && err.name === "AbortError")) return;
      console.warn("catalogue", err);
      cat.failed = true;
    }
    if (cat.controller === controller) cat.controller = null;
    renderBrowse();
  }

  function categoryLabel(id) {
    const found = (cat.categories || []).find((c) => c.id === id);
    return found ? String(found.label) : "";
  }

  function countText(count) {
    return count === 1 ? t("1 entry") : t("{count} entries", { count });
  }

  function status() {
    if (cat.failed) return t("The information cannot be loaded right now. Try again in a moment.");
    if (home() || !cat.data) return "";
    const total = Number(cat.data.total) || 0;
    if (total === 0) return t("Nothing found. Try other words, or fewer letters.");
    return total === 1 ? t("1 result") : t("{count} results", { count: total });
  }

  function renderCategories() {
    const items = (cat.categories || []).map((category) => {
      const li = make("li");
      const button = make("button", "category");
      button.type = "button";
      button.dataset.category = String(category.id);
      button.append(make("span", "category-name", category.label), make("span", "category-count", countText(category.count)));
      li.append(button);
      return li;
    });
    $("catalogue-categories").replaceChildren(...items);
  }

  function renderResults() {
    const results = cat.data && Array.isArray(cat.data.results) ? cat.data.results : [];
    const items = results.map((hit, n) => {
      const li = make("li");
      const button = make("button", "result");
      button.type = "button";
      button.dataset.slug = String(hit.slug);
      const title = make("span", "result-title");
      title.id = `result-${n}-title`;
      highlight(title, hit.title, hit.highlights && hit.highlights.title);
      const meta = make("span", "result-meta", hit.category_label || "");
      meta.id = `result-${n}-meta`;
      const snippet = make("span", "result-snippet");
      snippet.id = `result-${n}-snippet`;
      highlight(snippet, hit.snippet, hit.highlights && hit.highlights.snippet);
      button.setAttribute("aria-labelledby", title.id);
      button.setAttribute("aria-describedby", `${meta.id} ${snippet.id}`);
      button.append(title, meta, snippet);
      li.append(button);
      return li;
    });
    $("catalogue-results").replaceChildren(...items);
    const more = $("catalogue-more");
    const total = cat.data ? Number(cat.data.total) || 0 : 0;
    more.hidden = total <= results.length;
    more.textContent = more.hidden ? ""
      : t("Showing the first {count} results. Add a word to narrow the search.", { count: results.length });
  }

  function renderBrowse() {
    const atHome = home();
    $("catalogue-home").hidden = !atHome || cat.failed;
    $("catalogue-found").hidden = atHome || cat.failed;
    $("catalogue-filter").hidden = !cat.category;
    $("catalogue-filter-name").textContent = cat.category ? categoryLabel(cat.category) : "";
    $("catalogue-clear").hidden = !input.value;
    renderCategories();
    renderResults();
    const message = status();
    const region = $("catalogue-count");
    if (region.textContent !== message) region.textContent = message;
  }

  function renderView() {
    const screen = $("screen-catalogue");
    screen.dataset.view = cat.view;
    $("catalogue-browse").hidden = cat.view !== "browse";
    $("catalogue-entry").hidden = cat.view !== "entry";
  }

  function renderEntryView() {
    const entry = cat.entry;
    $("entry-category").textContent = entry ? entry.category_label || "" : "";
    $("entry-title").textContent = entry ? entry.title || "" : "";
    if (entry) renderEntry($("entry-body"), entry, { level: 2 });
    else {
      const message = make("p", "entry-error", t("The information cannot be loaded right now. Try again in a moment."));
      $("entry-body").replaceChildren(message);
    }
  }

  async function openEntry(slug, button) {
    if (!validSlug(slug)) return;
    abort();
    const seq = ++cat.seq;
    const controller = new AbortController();
    cat.controller = controller;
    if (button) button.setAttribute("aria-busy", "true");
    let entry = null;
    try {
      entry = await loadEntry(slug, hooks.lang(), controller.signal);
    } catch (err) {
      if (err && err.name === "AbortError") return;
      console.warn("catalogue entry", slug, err);
    } finally {
      if (button) button.removeAttribute("aria-busy");
    }
    if (seq !== cat.seq) return;
    cat.controller = null;
    cat.slug = slug;
    cat.entry = entry;
    cat.view = "entry";
    showKeyboard(false);
    renderEntryView();
    renderView();
    window.scrollTo(0, 0);
    $("entry-title").focus({ preventScroll: true });
    if (!entry) $("entry-body").querySelector("p").setAttribute("role", "alert");
  }

  function backToList() {
    cat.view = "browse";
    cat.entry = null;
    renderView();
    $("entry-body").replaceChildren();
    const button = [...document.querySelectorAll("#catalogue-results .result")].find((b) => b.dataset.slug === cat.slug);
    (button || $("catalogue-title")).focus({ preventScroll: !button });
    if (button) button.scrollIntoView({ block: "center" });
  }

  // ------------------------------------------------------------------ typing
  function onInput() {
    if (input.value.length > MAX_QUERY) input.value = input.value.slice(0, MAX_QUERY);
    cat.query = input.value;
    $("catalogue-clear").hidden = !input.value;
    clearTimeout(cat.timer);
    cat.timer = setTimeout(refresh, SEARCH_DELAY_MS);
  }

  function showKeyboard(open) {
    cat.keyboard = open;
    const osk = $("osk");
    const screen = $("screen-catalogue");
    osk.hidden = !open;
    screen.dataset.keyboard = String(open);
    if (open) screen.style.setProperty("--osk-height", `${osk.offsetHeight}px`);
    $("keyboard-toggle").setAttribute("aria-expanded", String(open));
  }

  function typeKey(key) {
    const value = input.value;
    let start = input.selectionStart ?? value.length;
    let end = input.selectionEnd ?? start;
    if (document.activeElement !== input) start = end = value.length; // typing goes at the end
    if (key === "Backspace") {
      if (start === end && start > 0) start -= 1;
      if (start === end) return;
      input.setRangeText("", start, end, "end");
    } else {
      if (value.length - (end - start) + key.length > MAX_QUERY) return;
      input.setRangeText(key, start, end, "end");
    }
    onInput();
  }

  function wire() {
    input.addEventListener("input", onInput);
    input.addEventListener("pointerdown", () => showKeyboard(true));
    $("catalogue-search").addEventListener("submit", (event) => {
      event.preventDefault(); // nothing to send anywhere: search now
      showKeyboard(false);
      refresh();
    });
    $("catalogue-clear").addEventListener("click", () => {
      input.value = "";
      onInput();
      refresh();
      input.focus();
    });
    $("keyboard-toggle").addEventListener("click", () => showKeyboard(!cat.keyboard));
    // Escape closes the on-screen keyboard (an attached keyboard, or assistive technology)
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !cat.keyboard) return;
      showKeyboard(false);
      $("keyboard-toggle").focus();
    });
    const osk = $("osk");
    // a touch on a key keeps the focus (and the caret) in the search field
    osk.addEventListener("pointerdown", (event) => {
      if (event.target.closest(".key") && document.activeElement === input) event.preventDefault();
    });
    osk.addEventListener("click", (event) => {
      const key = event.target.closest(".key");
      if (!key) return;
      if (key.dataset.key === "Hide") {
        showKeyboard(false);
        $("keyboard-toggle").focus();
        return;
      }
      typeKey(key.dataset.key);
    });
    $("catalogue-categories").addEventListener("click", async (event) => {
      const button = event.target.closest(".category");
      if (!button) return;
      cat.category = button.dataset.category;
      await refresh();
      if (cat.category && !$("catalogue-filter").hidden) $("catalogue-filter-title").focus();
    });
    $("catalogue-all").addEventListener("click", async () => {
      cat.category = null;
      await refresh();
      $("catalogue-title").focus();
    });
    $("catalogue-results").addEventListener("click", (event) => {
      const button = event.target.closest(".result");
      if (button) openEntry(button.dataset.slug, button);
    });
    $("entry-back").addEventListener("click", backToList);
    $("catalogue-back").addEventListener("click", () => hooks.back());
    for (const button of document.querySelectorAll("#screen-catalogue .talk")) {
      button.addEventListener("click", () => hooks.talk());
    }
  }

  wire();

  return {
    get view() { return cat.view; },
    get query() { return cat.query; },
    get category() { return cat.category; },
    get slug() { return cat.view === "entry" ? cat.slug : null; },
    // The screen is shown: fresh results in the booth's language.
    open() {
      renderView();
      if (cat.view === "browse") refresh();
      else if (cat.entry && cat.entry.lang !== hooks.lang()) openEntry(cat.slug, null);
    },
    languageChanged() {
      if (cat.view === "entry") openEntry(cat.slug, null);
      else refresh();
    },
    // Texts of the current language for what is on screen (without asking the server).
    render() {
      if (cat.view === "browse") renderBrowse();
    },
    // Nothing of the session may stay: the search, the topic, the entry, the keyboard.
    reset() {
      abort();
      cat.seq += 1;
      Object.assign(cat, {
        view: "browse", query: "", category: null, data: null, failed: false, entry: null, slug: null,
        categories: null, categoriesLang: null, // asked again: the catalogue may have changed
      });
      input.value = "";
      showKeyboard(false);
      $("catalogue-results").replaceChildren();
      $("entry-body").replaceChildren();
      $("entry-title").textContent = "";
      $("entry-category").textContent = "";
      $("catalogue-count").textContent = "";
      renderView();
      renderBrowse();
    },
  };
}
