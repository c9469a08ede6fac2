// The works procedure's booth module: once the citizen's notice is registered (the
// works_registered frame, sent after the signature), the booth says so beside the call in the
// citizen's language: the registry number, the first day the works may start, and that the
// sealed notice and its receipt are at the printer. Until the citizen closes it, the clerk shows
// something else, or the call ends. Markup: templates/booth.html; texts go in as text only.

import { t } from "/static/common/i18n.js";
import { booth, registerBoothModule } from "/static/kiosk/modules.js";

const NAME = "works";
const $ = (id) => document.getElementById(id);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

let shown = null; // {registry_number, start, printed}

function day(iso) {
  if (!DAY.test(iso)) return "";
  const [year, month, date] = iso.split("-").map(Number);
  const lang = booth.language() || "ca";
  return new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month - 1, date)));
}

function onRegistered(frame) {
  if (!booth.inCall()) return;
  booth.showBeside(NAME);
  shown = {
    registry_number: String(frame.registry_number || ""),
    start: String(frame.start || ""),
    printed: Boolean(frame.printed),
  };
  render();
  booth.announce(t("Your works notice is registered."));
}

function clear() {
  const box = $("works-done");
  const hadFocus = box.contains(document.activeElement);
  shown = null;
  booth.hideBeside(NAME);
  render();
  if (hadFocus) booth.focusCall();
}

function render() {
  $("works-done").hidden = !shown;
  $("works-done-kicker").textContent = t("Works notice");
  $("works-done-name").textContent = shown ? t("Your works notice is registered.") : "";
  $("works-done-number").textContent = shown
    ? t("Registry number: {number}", { number: shown.registry_number }) : "";
  $("works-done-start").textContent = shown && day(shown.start)
    ? t("The works may start on {day}.", { day: day(shown.start) }) : "";
  $("works-done-printed").textContent = shown && shown.printed
    ? t("Collect the sealed notice and the registry receipt from the printer.") : "";
  $("works-done-close-text").textContent = t("Close");
}

$("works-done-close").addEventListener("click", clear);

registerBoothModule({
  name: NAME,
  frames: { works_registered: onRegistered },
  state: { get registered() { return shown ? shown.registry_number : null; } },
  onLanguage: render,
  onHide: clear,
  onCallEnded: clear,
});
