// Names for the codes the server sends. Literal t("...") calls, so the extractor sees them;
// unknown codes are shown as they are.
import { t } from "./i18n.js";

export function stateLabel(code) {
  const names = {
    connecting: t("Connecting…"),
    offline: t("Offline"),
    available: t("Available"),
    ringing: t("Incoming call"),
    in_call: t("In a call"),
    wrap_up: t("Wrap-up"),
    away: t("Away"),
  };
  return names[code] || code || "—";
}

// The topics and kinds of document the office's procedures add, with the clerk's texts, as the
// page was given them (#console[data-topics], [data-document-kinds]).
function pageTable(name) {
  try {
    return JSON.parse(document.getElementById("console").dataset[name] || "{}");
  } catch {
    return {};
  }
}
const TOPICS = pageTable("topics");
const DOCUMENT_KINDS = pageTable("documentKinds");

export function topicLabel(code) {
  return TOPICS[code] || code || "—";
}

// A document of the attention: the platform's own kinds, then the procedures'.
export function documentKindLabel(kind) {
  const names = {
    scan: t("Scan"),
    receipt: t("Registry receipt"),
  };
  return names[kind] || DOCUMENT_KINDS[kind] || t("Uploaded");
}

export function languageLabel(code) {
  const names = {
    ca: t("Catalan"),
    es: t("Spanish"),
    en: t("English"),
  };
  return names[code] || code || "—";
}

export function outcomeLabel(code) {
  const names = {
    information_given: t("Information given"),
    procedure_completed: t("Procedure completed"),
    referred_to_office: t("Referred to an office in person"),
    appointment_booked: t("Appointment booked"),
    not_resolved: t("Not resolved"),
    call_dropped: t("Call dropped"),
  };
  return names[code] || code || "";
}
