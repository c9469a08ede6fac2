// The signing test procedure's panel: asks for a signature and shows its state with the
// platform's helper (console/signature.js).
import { api } from "/static/common/api.js";
import { registerPanel } from "/static/console/panels.js";
import { createSignatureBox } from "/static/console/signature.js";

const ask = document.getElementById("signing-ask");
const box = createSignatureBox({ procedure: "signing" });
document.getElementById("signing-box").append(box.element);
let callId = null;

ask.addEventListener("click", async () => {
  const answer = await api(`/api/calls/${encodeURIComponent(callId)}/signing/ask`, { json: {} });
  box.asked(callId, answer.request_id);
});

registerPanel({
  name: "signing",
  frames: { signature_state: box.onState },
  onCall(info) {
    callId = info.call_id;
    ask.disabled = false;
  },
  onCallEnded() {
    callId = null;
    ask.disabled = true;
    box.reset();
  },
});
