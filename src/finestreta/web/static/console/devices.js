// The booth's devices during a call: printer/scanner status, scan and print jobs, the documents
// of this attention and what the booth screen shows. Fed by the console's `devices`, `job` and
// `document` frames and by the HTTP endpoints of web/devices_api.py.

import { api } from "/static/common/api.js";
import { errorText, t, formatClock } from "./i18n.js";
import { documentKindLabel } from "./labels.js";

const $ = (id) => document.getElementById(id);

const D = {
  callId: null,
  devices: null,     // last `devices` frame
  documents: [],     // document summaries, oldest first
  jobs: new Map(),   // job_id -> last job frame
  latestJob: null,
  shown: null,       // document id on the booth screen
  busy: false,       // a scan/upload request on its way
  printing: new Set(), // document ids whose print request is on its way
};

// A print job of a document not yet finished: printing it again now (a double click, an
// impatient second click) would put a second copy of the citizen's papers in the tray.
const PRINT_ACTIVE = new Set(["queued", "sent", "received", "processing"]);

export function printerReasonText(code) {
  const names = {
    agent_offline: t("The booth's device service is not connected"),
    printer_unreachable: t("The printer does not answer"),
    printer_stopped: t("The printer is stopped"),
    media_empty: t("The printer is out of paper"),
    media_jam: t("Paper jam in the printer"),
    door_open: t("A printer door is open"),
    toner_empty: t("The printer is out of toner"),
    job_aborted: t("The printer cancelled the job"),
    document_unavailable: t("The booth could not download the document"),
    printer_error: t("Printer error"),
    call_ended: t("The call ended before the job started"),
  };
  return names[code] || code || "";
}

export function scanReasonText(code) {
  const names = {
    agent_offline: t("The booth's device service is not connected"),
    scanner_missing: t("The booth has no scanner connected"),
    no_document: t("There was no document on the scanner"),
    feeder_empty: t("The document feeder is empty"),
    paper_jam: t("Paper jam in the scanner"),
    cover_open: t("The scanner cover is open"),
    scanner_busy: t("The scanner is busy"),
    scanner_error: t("Scanner error"),
    upload_failed: t("The scan could not be uploaded"),
    expired: t("The job expired"),
    call_ended: t("The call ended before the job started"),
  };
  return names[code] || code || "";
}

function jobText(job) {
  const isScan = job.kind === "scan";
  const unknown = t("unknown reason");
  const reason = (isScan ? scanReasonText(job.reason) : printerReasonText(job.reason)) || unknown;
  switch (job.state) {
    case "queued":
      if (isScan && job.waiting_for_citizen) {
        return t("Scan: waiting for the citizen to place the document and tap “scan” on the booth");
      }
      return isScan ? t("Scan: waiting for the booth") : t("Print: waiting for the booth");
    case "sent":
    case "received":
      return isScan ? t("Scan: waiting for the citizen to place the document") : t("Printing…");
    case "processing":
      return isScan ? t("Scanning…") : t("Printing…");
    case "done":
      return isScan ? t("Scan done") : t("Printed: the citizen can collect it");
    case "failed":
      return isScan
        ? t("Scan failed: {reason}", { reason })
        : t("Print failed: {reason}", { reason });
    case "expired":
      return isScan ? t("Scan expired: it was not done in time") : t("Print expired: it was not done in time");
    default:
      return job.state || "";
  }
}

async function post(path, payload, isForm = false) {
  return api(path, isForm ? { form: payload } : { json: payload });
}

function say(message, kind = "error") {
  const box = $("devices-message");
  box.dataset.kind = message ? kind : "";
  box.textContent = message || "";
}

// ------------------------------------------------------------------ rendering
function statusItem(id, ok, label, detail) {
  const el = $(id);
  el.dataset.ok = String(ok);
  el.querySelector("use").setAttribute("href", ok ? "#i-available" : "#i-alert");
  el.querySelector(".dev-text").textContent = detail ? `${label} — ${detail}` : label;
}

function renderDevices() {
  const dev = D.devices;
  const printer = dev ? dev.printer || {} : null;
  const scanner = dev ? dev.scanner || {} : null;
  const printerOk = Boolean(printer && printer.ok);
  const scannerOk = Boolean(scanner && scanner.ok);
  if (!dev) {
    statusItem("printer-status", false, t("Printer: status unknown"), "");
    statusItem("scanner-status", false, t("Scanner: status unknown"), "");
  } else {
    statusItem("printer-status", printerOk,
      printerOk ? t("Printer ready") : t("Printer not ready: do not promise a printout"),
      printerOk ? "" : printerReasonText(printer.reason));
    statusItem("scanner-status", scannerOk,
      scannerOk ? t("Scanner ready") : t("Scanner not available"),
      scannerOk ? "" : scanReasonText(scanner.reason));
  }
  const media = [];
  const cameraOff = Boolean(dev && dev.camera && dev.citizen_camera_off);
  const muted = Boolean(dev && dev.microphone && dev.citizen_muted);
  if (dev && dev.camera !== null && dev.camera !== undefined) {
    media.push(cameraOff ? t("The citizen turned the camera off")
      : dev.camera ? t("Booth camera working") : t("Booth camera not working"));
  }
  if (dev && dev.microphone !== null && dev.microphone !== undefined) {
    media.push(muted ? t("The citizen muted the microphone")
      : dev.microphone ? t("Booth microphone working") : t("Booth microphone not working"));
  }
  // on the citizen's video too: black picture or silence is their choice, not a fault
  const onVideo = [];
  if (cameraOff) onVideo.push(t("The citizen turned the camera off"));
  if (muted) onVideo.push(t("The citizen muted the microphone"));
  const remoteState = $("remote-state");
  if (remoteState) {
    remoteState.textContent = onVideo.join(" · ");
    remoteState.dataset.cameraOff = String(cameraOff);
    remoteState.dataset.muted = String(muted);
  }
  const mediaOk = dev && dev.camera !== false && dev.microphone !== false;
  statusItem("media-status", Boolean(mediaOk),
    media.length ? media.join(" · ") : t("Booth camera and microphone: not reported"), "");
  const lastError = $("devices-last-error");
  lastError.hidden = !(dev && dev.last_error);
  lastError.textContent = dev && dev.last_error ? t("Last device error: {error}", { error: dev.last_error }) : "";
  $("devices-panel").dataset.printerOk = String(printerOk);

  const scanButton = $("scan-button");
  scanButton.disabled = !D.callId || D.busy;
  scanButton.setAttribute("aria-describedby", scannerOk ? "scan-hint" : "scanner-status scan-hint");
  renderDocuments();
}

function renderJob() {
  const line = $("job-status");
  const job = D.latestJob;
  $("scan-now-box").hidden = !(job && job.kind === "scan" && job.waiting_for_citizen && D.callId);
  line.dataset.state = job ? job.state : "";
  line.dataset.kind = job ? job.kind : "";
  line.hidden = !job;
  const next = job ? jobText(job) : "";
  if (line.querySelector(".job-text").textContent !== next) line.querySelector(".job-text").textContent = next;
  line.querySelector("use").setAttribute("href",
    !job ? "#i-info" : job.state === "failed" || job.state === "expired" ? "#i-alert"
      : job.state === "done" ? "#i-available" : "#i-clock");
}

function lastPrintJob(documentId) {
  let found = null;
  for (const job of D.jobs.values()) if (job.kind === "print" && job.document_id === documentId) found = job;
  return found;
}

function printPending(documentId) {
  const job = lastPrintJob(documentId);
  return D.printing.has(documentId) || Boolean(job && PRINT_ACTIVE.has(job.state));
}

// Each document keeps its list item (and its preview image) for as long as it is listed: the
// list is updated in place, never rebuilt. A rebuild on every health report (every few seconds)
// reloaded the previews and pulled the element from under the clerk's pointer (and a test's).
const documentItems = new Map();  // document id -> { li, title, meta, badge, printBtn, showBtn, job }

function documentItem(doc) {
  const li = document.createElement("li");
  li.dataset.documentId = doc.document_id;
  li.className = "document";
  const head = document.createElement("div");
  head.className = "document-head";
  const title = document.createElement("span");
  title.className = "document-title";
  title.id = `doc-title-${doc.document_id}`;
  const meta = document.createElement("span");
  meta.className = "document-meta";
  const badge = document.createElement("span");
  badge.className = "document-shown";
  head.append(title, meta);
  li.append(head);

  if ((doc.media_type || "").startsWith("image/")) {
    const img = document.createElement("img");
    img.className = "document-preview";
    img.src = doc.url;
    img.alt = t("Preview of {title}", { title: doc.title || t("Document") });
    img.loading = "lazy";
    li.append(img);
  }

  const actions = document.createElement("div");
  actions.className = "document-actions";
  const printBtn = document.createElement("button");
  printBtn.type = "button";
  printBtn.className = "print-document secondary";
  printBtn.textContent = t("Print at the booth");
  const showBtn = document.createElement("button");
  showBtn.type = "button";
  showBtn.className = "show-document secondary";
  showBtn.setAttribute("aria-describedby", title.id);
  const open = document.createElement("a");
  open.className = "open-document";
  open.href = doc.url;
  open.target = "_blank";
  open.rel = "noopener";
  open.textContent = t("Open");
  const hint = document.createElement("span");
  hint.className = "visually-hidden";
  open.append(hint);
  printBtn.addEventListener("click", () => printDocument(doc.document_id));
  showBtn.addEventListener("click", () => showDocument(D.shown === doc.document_id ? null : doc.document_id));
  actions.append(printBtn, showBtn, open);
  li.append(actions);
  const job = document.createElement("p");
  job.className = "document-job";
  return { li, head, title, meta, badge, printBtn, showBtn, hint, job };
}

function setText(node, value) {
  if (node.textContent !== value) node.textContent = value;
}

function setAttr(node, name, value) {
  if (value === null) node.removeAttribute(name);
  else if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

function updateDocumentItem(item, doc, printerOk) {
  setText(item.title, doc.title || t("Document"));
  const kind = documentKindLabel(doc.kind);
  const type = doc.media_type === "application/pdf" ? "PDF" : (doc.media_type || "").replace("image/", "").toUpperCase();
  setText(item.meta, ` ${kind} · ${type} · ${formatClock(doc.created_at)}`);
  const shown = D.shown === doc.document_id;
  if (shown) {
    setText(item.badge, t("On the booth screen"));
    if (!item.badge.isConnected) item.head.append(item.badge);
  } else if (item.badge.isConnected) {
    item.badge.remove();
  }
  setText(item.hint, ` ${doc.title || ""} (${t("opens in a new tab")})`);

  const printBtn = item.printBtn;
  setAttr(printBtn, "aria-describedby", item.title.id + (printerOk ? "" : " print-warning"));
  const blocked = !printerOk && Boolean(D.devices);  // status unknown (e.g. after a reload): warn, do not block
  printBtn.disabled = blocked || !D.callId;
  setAttr(printBtn, "title", blocked ? t("The booth's printer cannot print now") : null);
  // aria-disabled, not disabled: a button that keeps the keyboard focus while its job runs
  setAttr(printBtn, "aria-disabled", !printBtn.disabled && printPending(doc.document_id) ? "true" : null);
  setText(item.showBtn, shown ? t("Remove from the booth screen") : t("Show on the booth screen"));
  setAttr(item.showBtn, "aria-pressed", String(shown));
  item.showBtn.disabled = !D.callId;

  const job = lastPrintJob(doc.document_id);
  if (job) {
    item.job.dataset.state = job.state;
    setText(item.job, jobText(job));
    if (!item.job.isConnected) item.li.append(item.job);
  } else if (item.job.isConnected) {
    item.job.remove();
  }
}

function renderDocuments() {
  const listEl = $("documents-list");
  const printerOk = Boolean(D.devices && D.devices.printer && D.devices.printer.ok);
  const listed = new Set(D.documents.map((doc) => doc.document_id));
  for (const [id, item] of documentItems) {
    if (!listed.has(id)) {
      item.li.remove();
      documentItems.delete(id);
    }
  }
  let previous = null;
  for (const doc of D.documents) {
    let item = documentItems.get(doc.document_id);
    if (!item) {
      item = documentItem(doc);
      documentItems.set(doc.document_id, item);
    }
    updateDocumentItem(item, doc, printerOk);
    const expected = previous ? previous.nextSibling : listEl.firstChild;
    if (expected !== item.li) listEl.insertBefore(item.li, expected);  // keeps focus when in place
    previous = item.li;
  }
  $("documents-empty").hidden = D.documents.length > 0;
  const warning = $("print-warning");
  warning.hidden = printerOk || !D.callId;
  setText(warning.querySelector(".warning-text"), printerOk ? "" : t("Printing is not possible now: {reason}", {
    reason: printerReasonText(D.devices && D.devices.printer ? D.devices.printer.reason : "") || t("the printer status is unknown"),
  }));
}

function render() {
  renderDevices();
  renderJob();
}

// ------------------------------------------------------------------ actions
async function scan() {
  if (!D.callId || D.busy) return;
  D.busy = true;
  say("");
  render();
  try {
    const result = await post(`/api/calls/${encodeURIComponent(D.callId)}/scan`, {
      resolution: Number($("scan-resolution").value),
      mode: $("scan-mode").value,
      source: $("scan-source").value,
      format: $("scan-format").value,
    });
    if (result && result.job_id && !D.jobs.has(result.job_id)) {
      onJob({ job_id: result.job_id, kind: "scan", state: result.state, waiting_for_citizen: result.waiting_for_citizen });
    }
  } catch (err) {
    say(t("The scan could not be requested: {error}", { error: errorText(err) }));
  } finally {
    D.busy = false;
    render();
  }
}

async function startScan() {
  const job = D.latestJob;
  if (!D.callId || !job || !job.waiting_for_citizen || D.busy) return;
  D.busy = true;
  try {
    await post(`/api/calls/${encodeURIComponent(D.callId)}/scan/${encodeURIComponent(job.job_id)}/start`, {});
    $("job-status").focus();  // the button hides: keep the clerk's place next to the job
  } catch (err) {
    say(t("The scan could not be started: {error}", { error: errorText(err) }));
  } finally {
    D.busy = false;
    render();
  }
}

async function printDocument(documentId) {
  if (!D.callId || printPending(documentId)) return;
  const callId = D.callId;
  D.printing.add(documentId);
  say("");
  renderDocuments();
  try {
    const result = await post(`/api/calls/${encodeURIComponent(callId)}/print`, { document_id: documentId, copies: 1 });
    if (result && result.job_id && !D.jobs.has(result.job_id) && D.callId === callId) {
      onJob({ job_id: result.job_id, kind: "print", state: result.state, document_id: documentId });
    }
  } catch (err) {
    say(t("The printout could not be requested: {error}", { error: errorText(err) }));
  } finally {
    D.printing.delete(documentId);
    renderDocuments();
  }
}

async function showDocument(documentId) {
  if (!D.callId) return;
  say("");
  try {
    await post(`/api/calls/${encodeURIComponent(D.callId)}/show`, { document_id: documentId });
    D.shown = documentId;
    say(documentId ? t("The document is on the booth screen.") : t("The booth screen no longer shows the document."), "ok");
    renderDocuments();
  } catch (err) {
    say(t("The booth screen could not be changed: {error}", { error: errorText(err) }));
  }
}

async function upload(file) {
  if (!D.callId || !file) return;
  const allowed = ["application/pdf", "image/png", "image/jpeg"];
  if (file.type && !allowed.includes(file.type)) {
    say(t("Only PDF, PNG or JPEG files can be added."));
    return;
  }
  D.busy = true;
  say(t("Uploading {name}…", { name: file.name }), "info");
  const form = new FormData();
  form.append("file", file);
  form.append("title", file.name.replace(/\.[^.]+$/, "").slice(0, 200));
  try {
    const doc = await post(`/api/calls/${encodeURIComponent(D.callId)}/documents`, form, true);
    if (doc && doc.document_id) onDocument(doc);
    say(t("Document added: {name}", { name: file.name }), "ok");
  } catch (err) {
    say(t("The document could not be added: {error}", { error: errorText(err) }));
  } finally {
    D.busy = false;
    $("upload-document").value = "";
    render();
  }
}

async function load() {
  const callId = D.callId;
  if (!callId) return;
  try {
    const body = await api(`/api/calls/${encodeURIComponent(callId)}/documents`);
    if (D.callId !== callId) return;
    for (const doc of body.documents || []) onDocument(doc, false);
    for (const job of body.jobs || []) {
      if (!D.jobs.has(job.job_id)) D.jobs.set(job.job_id, job);
    }
    if (!D.latestJob && body.jobs && body.jobs.length) D.latestJob = body.jobs[body.jobs.length - 1];
    render();
  } catch (err) {
    console.warn("documents unavailable", err);
  }
}

// ------------------------------------------------------------------ frames and the call
function onDocument(doc, draw = true) {
  const at = D.documents.findIndex((d) => d.document_id === doc.document_id);
  if (at >= 0) D.documents[at] = { ...D.documents[at], ...doc };
  else D.documents.push(doc);
  if (draw) renderDocuments();
}

function onJob(frame) {
  if (frame.call_id && D.callId && frame.call_id !== D.callId) return;
  const old = D.jobs.get(frame.job_id) || {};
  const job = { ...old, ...frame };
  D.jobs.set(job.job_id, job);
  D.latestJob = job;
  if (job.result_document) onDocument(job.result_document, false);
  render();
}

export const deviceHandlers = {
  devices(frame) {
    D.devices = frame;
    render();
  },
  job: onJob,
  document(frame) {
    const { type, ...doc } = frame;
    onDocument(doc);
  },
};

// The console calls this with the call id when a call starts (or is rejoined) and null after.
export function setDeviceCall(callId) {
  if (callId === D.callId) {
    if (callId) load();  // reconnected: catch up
    return;
  }
  D.callId = callId;
  D.devices = null;
  D.documents = [];
  D.jobs = new Map();
  D.latestJob = null;
  D.shown = null;
  D.busy = false;
  D.printing = new Set();
  say("");
  render();
  if (callId) load();
}

export const deviceState = D;

$("scan-button").addEventListener("click", scan);
$("scan-now").addEventListener("click", startScan);
$("upload-document").addEventListener("change", (event) => upload(event.target.files && event.target.files[0]));
render();
