// The information procedure's console panel: look up the catalogue of services during a call,
// show an entry on the booth screen or print its sheet at the booth. HTTP: the platform's
// /api/catalogue (search, entries) and this procedure's routes.py (sheet, show).

import { api } from "/static/common/api.js";
import { $, el, highlighted, say } from "/static/console/dom.js";
import { t } from "/static/common/i18n.js";
import { errorText, printOutcome } from "/static/console/i18n.js";
import { registerPanel } from "/static/console/panels.js";

const P = {
  callId: null,
  citizenLang: "ca",   // the citizen's language: the entries are shown in it
  searchSeq: 0,        // answers of older searches are dropped
  searchTimer: null,
  entry: null,         // the catalogue entry open in the panel
  busy: false,
};

const callPath = (rest) => `/api/calls/${encodeURIComponent(P.callId)}${rest}`;

// ------------------------------------------------------------------ catalogue
function scheduleSearch() {
  clearTimeout(P.searchTimer);
  P.searchTimer = setTimeout(search, 150);
}

async function search() {
  if (!P.callId) return;
  const query = $("catalogue-query").value.trim();
  const seq = ++P.searchSeq;
  if (!query) {  // nothing typed: keep the panel short, the census panel is below
    renderResults({ results: [], total: 0 }, "");
    return;
  }
  const params = new URLSearchParams({ q: query, lang: P.citizenLang, limit: "8" });
  let body;
  try {
    body = await api(`/api/catalogue?${params}`);
  } catch (err) {
    if (seq === P.searchSeq) say("catalogue-message", errorText(err));
    return;
  }
  if (seq !== P.searchSeq) return;  // typed on since
  say("catalogue-message", "");
  renderResults(body, query);
}

function renderResults(body, query) {
  const list = $("catalogue-results");
  const items = body.results.map((hit) => {
    const open = el("button", { type: "button", className: "result-open link" },
      highlighted(hit.title, hit.highlights.title));
    open.dataset.slug = hit.slug;
    open.addEventListener("click", () => openEntry(hit.slug));
    return el("li", { dataset: { slug: hit.slug } },
      open,
      el("span", { className: "result-category" }, ` · ${hit.category_label}`),
      hit.snippet ? el("p", { className: "result-snippet" }, highlighted(hit.snippet, hit.highlights.snippet)) : null);
  });
  list.replaceChildren(...items);
  $("catalogue-count").textContent = query
    ? (body.total === 0 ? t("Nothing found for “{query}”.", { query })
      : t("{count} entries found.", { count: body.total }))
    : "";
}

async function openEntry(slug) {
  let body;
  try {
    body = await api(`/api/catalogue/${encodeURIComponent(slug)}?lang=${P.citizenLang}`);
  } catch (err) {
    say("catalogue-message", errorText(err));
    return;
  }
  P.entry = body.entry;
  const entry = body.entry;
  $("entry-title").textContent = entry.title;
  $("entry-category").textContent = entry.category_label;
  const parts = [el("p", {}, entry.summary)];
  const section = (label, content) => {
    if (!content || (Array.isArray(content) && !content.length)) return;
    parts.push(el("h4", {}, label));
    if (Array.isArray(content)) parts.push(el("ul", {}, ...content.map((item) => el("li", {}, item))));
    else parts.push(el("p", {}, content));
  };
  section(t("Who may ask"), entry.who);
  section(t("Requirements"), entry.requirements);
  section(t("Fees"), entry.free ? t("Free of charge") : entry.fees);
  section(t("Where and when"), entry.where_when);
  section(t("Links"), entry.links.map((link) => `${link.label}: ${link.url}`));
  $("entry-body").replaceChildren(...parts);
  $("catalogue-results").hidden = true;
  $("catalogue-entry").hidden = false;
  say("catalogue-message", "");
  $("entry-title").focus();
}

function closeEntry() {
  P.entry = null;
  $("catalogue-entry").hidden = true;
  $("catalogue-results").hidden = false;
  const again = $("catalogue-results").querySelector("button");
  (again || $("catalogue-query")).focus();
}

async function entryAction(kind) {
  if (!P.entry || !P.callId || P.busy) return;
  P.busy = true;
  const slug = encodeURIComponent(P.entry.slug);
  try {
    if (kind === "show") {
      await api(callPath(`/catalogue/${slug}/show`), { json: {} });
      say("catalogue-message", t("The citizen sees “{title}” on the booth screen.", { title: P.entry.title }), "ok");
    } else {
      const answer = await api(callPath(`/catalogue/${slug}/sheet`), { json: { lang: P.citizenLang } });
      const outcome = printOutcome(answer, t("The information sheet was sent to the booth's printer."));
      say("catalogue-message", outcome.text, outcome.kind);
    }
  } catch (err) {
    say("catalogue-message", errorText(err));
  } finally {
    P.busy = false;
  }
}

// ------------------------------------------------------------------ the call
function reset() {
  P.entry = null;
  P.busy = false;
  P.searchSeq += 1;
  clearTimeout(P.searchTimer);
  $("catalogue-query").value = "";
  $("catalogue-results").replaceChildren();
  $("catalogue-results").hidden = false;
  $("catalogue-entry").hidden = true;
  $("catalogue-count").textContent = "";
  say("catalogue-message", "");
}

function setCall(info) {
  P.callId = info ? info.call_id : null;
  P.citizenLang = (info && ["ca", "es", "en"].includes(info.language)) ? info.language : "ca";
  reset();
  $("catalogue-lang-note").textContent = P.callId
    ? t("Entries are shown in the citizen's language ({lang}).", { lang: P.citizenLang.toUpperCase() })
    : "";
  if (P.callId) search();
}

$("catalogue-query").addEventListener("input", scheduleSearch);
$("entry-back").addEventListener("click", closeEntry);
$("entry-show").addEventListener("click", () => entryAction("show"));
$("entry-print").addEventListener("click", () => entryAction("print"));

registerPanel({
  name: "information",
  state: P,
  onCall: setCall,
  onCallEnded: () => setCall(null),
});
