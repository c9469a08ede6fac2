// The complaints procedure's booth module: after the clerk files the case, the booth shows its
// code and the address of the tracking page beside the call, in the citizen's language (the
// receipt printed at the booth says the same). Nothing of it stays once the call is over.

import { t } from "/static/common/i18n.js";
import { booth, registerBoothModule } from "/static/kiosk/modules.js";

const NAME = "complaints";
const $ = (id) => document.getElementById(id);
const CODE = /^[0-9A-Z-]{18,24}$/;

let shown = null;  // {code, url}

function onFiled(frame) {
  if (!booth.inCall()) return;
  const code = String(frame.code || "");
  const url = String(frame.url || "");
  if (!CODE.test(code)) return;
  booth.showBeside(NAME);
  shown = { code, url };
  render();
  booth.announce(t("Your case code is {code}.", { code }));
}

function clear() {
  const box = $("complaints-filed-pane");
  const hadFocus = box.contains(document.activeElement);
  shown = null;
  render();
  booth.hideBeside(NAME);
  if (hadFocus) booth.focusCall();
}

function render() {
  const box = $("complaints-filed-pane");
  box.hidden = !shown;
  if (!shown) {
    $("complaints-filed-code").textContent = "";
    $("complaints-filed-url").textContent = "";
    return;
  }
  $("complaints-filed-code").textContent = shown.code;
  $("complaints-filed-url").textContent = shown.url;
}

function texts() {
  $("complaints-filed-kicker").textContent = t("Your case is filed");
  $("complaints-filed-lead").textContent = t("Your case code is:");
  $("complaints-filed-follow").textContent = t("Follow it and read the answer at:");
  $("complaints-filed-receipt").textContent = t("The receipt being printed has the code and the address too.");
  $("complaints-filed-close-text").textContent = t("Close");
  if (shown) render();
}

$("complaints-filed-close").addEventListener("click", clear);

registerBoothModule({
  name: NAME,
  frames: { complaints_filed: onFiled },
  state: { get filed() { return shown ? { ...shown } : null; } },
  onLanguage: texts,
  onHide: clear,
  onCallEnded: clear,
});
