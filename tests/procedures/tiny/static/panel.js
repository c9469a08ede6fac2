// The tiny procedure's console panel: it says which call it is in.
import { registerPanel } from "/static/console/panels.js";

const state = document.getElementById("tiny-state");

registerPanel({
  name: "tiny",
  onCall(info) {
    state.dataset.call = info.call_id;
    state.textContent = `In call ${info.call_id}`;
  },
  onCallEnded() {
    state.dataset.call = "";
    state.textContent = "No call";
  },
});
