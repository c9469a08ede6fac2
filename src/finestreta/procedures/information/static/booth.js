// The information procedure's booth module: the catalogue entry the clerk shows beside the call
// (the show_entry frame, sent by routes.py's show endpoint), large and in the citizen's language,
// until the citizen closes it, the clerk hides it or shows something else, or the call ends.
// Markup: templates/booth.html. The entry is read and drawn by the platform's catalogue.js, as
// the booth's own catalogue screen draws it; server texts go in with textContent only.

import { t } from "/static/common/i18n.js";
import { loadEntry, renderEntry, validSlug } from "/static/kiosk/catalogue.js";
import { booth, registerBoothModule } from "/static/kiosk/modules.js";

const NAME = "information";
const $ = (id) => document.getElementById(id);

let shown = null; // {slug, entry, failed, controller}: the entry on screen

function onShowEntry(frame) {
  if (!booth.inCall()) return;
  const slug = String(frame.slug || "");
  if (!validSlug(slug)) return;
  clear();
  booth.showBeside(NAME); // one thing at a time beside the call
  const current = { slug, entry: null, failed: false, controller: new AbortController() };
  shown = current;
  render();
  loadEntry(slug, booth.language(), current.controller.signal).then((entry) => {
    if (shown !== current) return;
    current.entry = entry;
    renderEntry($("shown-entry-view"), entry, { level: 3, category: true });
    render();
    booth.announce(t("The clerk is showing you information: {title}", { title: String(entry.title || "") }));
  }).catch((err) => {
    if (shown !== current) return;
    console.warn("entry", slug, err);
    current.failed = true;
    const message = document.createElement("p");
    message.className = "doc-error";
    message.textContent = t("This information cannot be shown. Please tell the clerk.");
    $("shown-entry-view").replaceChildren(message);
    render();
  });
}

// Takes the entry away (the citizen closed it, the clerk hid it or showed something else, or
// the call ended): nothing of it stays, and the focus goes back to the call if it was in it.
function clear() {
  const box = $("shown-entry");
  const hadFocus = box.contains(document.activeElement);
  if (shown) shown.controller.abort();
  shown = null;
  const view = $("shown-entry-view");
  view.replaceChildren();
  view.scrollTo(0, 0);
  booth.hideBeside(NAME);
  render();
  if (hadFocus) booth.focusCall();
}

function render() {
  const box = $("shown-entry");
  box.hidden = !shown;
  if (shown) box.dataset.slug = shown.slug;
  else box.removeAttribute("data-slug");
  let name = "";
  if (shown && shown.entry) name = String(shown.entry.title || "");
  else if (shown && !shown.failed) name = t("Loading…");
  if ($("shown-entry-name").textContent !== name) $("shown-entry-name").textContent = name;
}

$("shown-entry-close").addEventListener("click", clear);

registerBoothModule({
  name: NAME,
  frames: { show_entry: onShowEntry },
  state: { get shownEntry() { return shown ? shown.slug : null; } },
  onLanguage() {
    $("shown-entry-kicker").textContent = t("Information from the clerk:");
    $("shown-entry-close-text").textContent = t("Close");
    render();
  },
  onHide: clear,
  onCallEnded: clear,
});
