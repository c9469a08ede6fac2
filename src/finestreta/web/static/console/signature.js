// A platform helper for procedures' panels: the state of a signature the procedure asked for
// (Platform.signatures.ask on the server; docs/signatures.md), with the clerk's two actions:
// withdraw it, or record the citizen's oral consent with the reason (the clerk is the
// habilitated official, Ley 39/2015 art. 12.2). The panel puts `box.element` in its markup,
// calls `box.asked(callId, requestId)` when its route answered, and hands the box the
// signature_state frames: registerPanel({frames: {signature_state: box.onState}, …}). Once the
// citizen is signing, asking again is refused (signature_in_progress): withdraw first.
//
//   const box = createSignatureBox({ procedure: "works", idPrefix: "works-sign" });

import { api } from "/static/common/api.js";
import { el } from "./dom.js";
import { errorText, formatClock, t } from "./i18n.js";

export function createSignatureBox({ procedure, idPrefix = `${procedure}-signature` }) {
  const id = (name) => `${idPrefix}-${name}`;
  const status = el("p", { id: id("status"), className: "signature-box-status", role: "status" });
  const error = el("p", { id: id("error"), className: "signature-box-error", role: "alert" });
  const withdraw = el("button", { type: "button", id: id("withdraw"), className: "secondary" },
    t("Withdraw the document"));
  const reasonLabel = el("label", { htmlFor: id("reason") },
    t("The citizen cannot sign: reason (recorded as oral consent before you)"));
  const reason = el("textarea", { id: id("reason"), rows: 2, maxLength: 1000 });
  const consent = el("button", { type: "button", id: id("consent"), className: "secondary" },
    t("Record oral consent"));
  const actions = el("div", { className: "signature-box-actions" }, withdraw, reasonLabel, reason, consent);
  const element = el("div", { id: idPrefix, className: "signature-box", hidden: true },
    status, actions, error);
  const state = { callId: null, requestId: null, state: null };

  function render() {
    element.hidden = !state.requestId;
    actions.hidden = state.state !== "waiting" && state.state !== "signing";
    const at = state.at ? formatClock(state.at) : "";
    status.dataset.state = state.state || "";
    status.textContent = {
      waiting: t("Waiting for the citizen to sign…"),
      signing: t("The citizen is signing…"),
      signed: t("Signed at {time}", { time: at }),
      oral_consent: t("Oral consent recorded at {time}", { time: at }),
      cancelled: t("Withdrawn: the citizen will not sign it"),
      expired: t("The time to sign ran out: ask again"),
    }[state.state] || "";
  }

  async function act(run) {
    error.textContent = "";
    withdraw.disabled = consent.disabled = true;
    try {
      await run();
    } catch (err) {
      error.textContent = errorText(err);
    } finally {
      withdraw.disabled = consent.disabled = false;
    }
  }

  const base = () =>
    `/api/calls/${encodeURIComponent(state.callId)}/signatures/${encodeURIComponent(state.requestId)}`;

  withdraw.addEventListener("click", () => act(() => api(base(), { json: {}, method: "DELETE" })));
  consent.addEventListener("click", () => act(async () => {
    if (!reason.value.trim()) {
      error.textContent = t("Write why the citizen cannot sign.");
      reason.focus();
      return;
    }
    await api(`${base()}/oral-consent`, { json: { reason: reason.value.trim() } });
    reason.value = "";
  }));

  return {
    element,
    state,
    asked(callId, requestId) {
      Object.assign(state, { callId, requestId, state: "waiting", at: null });
      error.textContent = "";
      render();
    },
    onState(frame) {
      if (frame.procedure !== procedure || frame.request_id !== state.requestId) return;
      Object.assign(state, { state: frame.state, at: frame.at });
      render();
    },
    reset() {
      Object.assign(state, { callId: null, requestId: null, state: null, at: null });
      reason.value = "";
      error.textContent = "";
      render();
    },
  };
}
