// The tiny procedure's console panel: it says which call it is in, and waves at the citizen
// with a frame of its procedure's own.
import { t } from "/static/console/i18n.js";
import { registerPanel, sendFrame } from "/static/console/panels.js";

const state = document.getElementById("tiny-state");
const wave = document.getElementById("tiny-wave");

wave.addEventListener("click", () => sendFrame({ type: "tiny_wave", times: 2 }));

registerPanel({
  name: "tiny",
  onCall(info) {
    state.dataset.call = info.call_id;
    state.textContent = t("In call {id}", { id: info.call_id });
    wave.disabled = false;
  },
  onCallEnded() {
    state.dataset.call = "";
    state.textContent = t("No call");
    wave.disabled = true;
  },
});
