// Back from the gateway: tell the booth page that frames us (our own origin only). The booth
// waits for the settled order before it shows a result; this only says the frame is back.
const data = JSON.parse(document.getElementById("payment-returned")?.textContent || "{}");
if (window.parent !== window) {
  window.parent.postMessage(data, window.location.origin);
}
