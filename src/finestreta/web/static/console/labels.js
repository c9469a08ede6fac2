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

export function topicLabel(code) {
  const names = {
    general: t("General information"),
    census: t("Census and residence certificates"),
    taxes: t("Taxes and fees"),
    works: t("Works and licences"),
    complaints: t("Complaints and suggestions"),
  };
  return names[code] || code || "—";
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
