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

// error frames: {code, message}; the message (English, for logs) is the last resort.
export function errorText(code, message) {
  const texts = {
    busy: t("Finish the current call or wrap-up before changing your state."),
    no_offer: t("That call is no longer ringing for you."),
    offer_expired: t("The call stopped ringing before you answered it."),
    bad_outcome: t("Choose one of the outcomes in the list."),
    rate_limited: t("Too many actions in a short time. Wait a moment and try again."),
    bad_state: t("That state cannot be chosen."),
    call_active: t("Hang up before saving the wrap-up."),
    call_ended: t("The call has already ended."),
    no_call: t("There is no call in progress."),
    not_your_call: t("That call is not yours."),
    in_call: t("You are already in a call."),
    unknown_clerk: t("Your user cannot answer calls. Ask a supervisor."),
    bad_frame: t("The console sent something the server did not understand. Reload the page."),
    bad_json: t("The console sent something the server did not understand. Reload the page."),
    binary_frame: t("The console sent something the server did not understand. Reload the page."),
    too_large: t("The message was too long to send."),
    internal: t("Something went wrong on the server. Try again."),
  };
  return texts[code] || message || code || t("Something went wrong. Try again.");
}
