// The works procedure's booth module. While the clerk answers the guided questionnaire (the
// works_questionnaire frame, sent on each answer and again when the booth page comes back), the
// booth shows beside the call, read-only, the questions answered with their answers, the one
// asked now and, once decided, the decision in plain words; the frame's texts are already in
// the citizen's language. The platform's signature pad replaces it when the clerk asks to sign.
// Once the notice is registered (works_registered, after the signature), the booth says so in
// the citizen's language: the registry number, the first day the works may start, and that the
// sealed notice and its receipt are at the printer. Until the citizen closes it, the clerk shows
// something else, or the call ends. Markup: templates/booth.html; texts go in as text only.

import { t } from "/static/common/i18n.js";
import { booth, registerBoothModule } from "/static/kiosk/modules.js";

const NAME = "works";
const $ = (id) => document.getElementById(id);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

let shown = null; // {registry_number, start, printed}
let quiz = null; // {answered: [{question, answer}], current, within_scope, decision, reason}

function day(iso) {
  if (!DAY.test(iso)) return "";
  const [year, month, date] = iso.split("-").map(Number);
  const lang = booth.language() || "ca";
  return new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month - 1, date)));
}

const text = (value) => (typeof value === "string" ? value : "");

function onQuestionnaire(frame) {
  if (!booth.inCall()) return;
  const before = quiz;
  quiz = {
    lang: ["ca", "es", "en"].includes(frame.lang) ? frame.lang : "",
    answered: (Array.isArray(frame.answered) ? frame.answered : [])
      .map((a) => ({ question: text(a && a.question), answer: text(a && a.answer) })),
    current: text(frame.current),
    within_scope: typeof frame.within_scope === "boolean" ? frame.within_scope : null,
    decision: text(frame.decision),
    reason: text(frame.reason),
  };
  shown = null;
  booth.showBeside(NAME);
  render();
  // Politely, and only what changed: the question asked now, or the decision.
  if (quiz.decision && (!before || before.decision !== quiz.decision)) booth.announce(quiz.decision);
  else if (quiz.current && (!before || before.current !== quiz.current)) booth.announce(quiz.current);
}

function onRegistered(frame) {
  if (!booth.inCall()) return;
  booth.showBeside(NAME);
  quiz = null;
  shown = {
    registry_number: String(frame.registry_number || ""),
    start: String(frame.start || ""),
    printed: Boolean(frame.printed),
  };
  render();
  booth.announce(t("Your works notice is registered."));
}

function clear() {
  const hadFocus = $("works-done").contains(document.activeElement)
    || $("works-quiz").contains(document.activeElement);
  shown = null;
  quiz = null;
  booth.hideBeside(NAME);
  render();
  if (hadFocus) booth.focusCall();
}

function renderQuiz() {
  $("works-quiz").hidden = !quiz;
  // The frame's texts are in the call's language: say so to assistive technology.
  if (quiz && quiz.lang) $("works-quiz-view").lang = quiz.lang;
  else $("works-quiz-view").removeAttribute("lang");
  $("works-quiz-kicker").textContent = t("Works notice");
  $("works-quiz-name").textContent = t("Is it a works notice?");
  $("works-quiz-intro").textContent = t("The staff answer these questions with you.");
  $("works-quiz-decision-title").textContent = t("Decision");
  const list = $("works-quiz-list");
  list.replaceChildren();
  const decision = $("works-quiz-decision");
  if (!quiz) {
    decision.hidden = true;
    return;
  }
  for (const { question, answer } of quiz.answered) {
    const li = document.createElement("li");
    const q = document.createElement("span");
    q.className = "works-quiz-q";
    q.textContent = question;
    const a = document.createElement("span");
    a.className = "works-quiz-a";
    a.textContent = answer;
    li.append(q, a);
    list.append(li);
  }
  if (quiz.current) {
    const li = document.createElement("li");
    li.setAttribute("aria-current", "step");
    const now = document.createElement("span");
    now.className = "works-quiz-now";
    now.textContent = t("Question now");
    const q = document.createElement("span");
    q.className = "works-quiz-q";
    q.textContent = quiz.current;
    li.append(now, q);
    list.append(li);
  }
  decision.hidden = !quiz.decision;
  decision.dataset.within = quiz.within_scope === null ? "" : quiz.within_scope ? "yes" : "no";
  $("works-quiz-decision-text").textContent = quiz.decision;
  $("works-quiz-reason").textContent = quiz.reason;
}

function render() {
  renderQuiz();
  $("works-done").hidden = !shown;
  $("works-done-kicker").textContent = t("Works notice");
  $("works-done-name").textContent = shown ? t("Your works notice is registered.") : "";
  $("works-done-number").textContent = shown
    ? t("Registry number: {number}", { number: shown.registry_number }) : "";
  $("works-done-start").textContent = shown && day(shown.start)
    ? t("The works may start on {day}.", { day: day(shown.start) }) : "";
  $("works-done-printed").textContent = shown && shown.printed
    ? t("Collect the sealed notice and the registry receipt from the printer.") : "";
  $("works-done-close-text").textContent = t("Close");
}

$("works-done-close").addEventListener("click", clear);

registerBoothModule({
  name: NAME,
  frames: { works_questionnaire: onQuestionnaire, works_registered: onRegistered },
  state: {
    get registered() { return shown ? shown.registry_number : null; },
    get questionnaire() { return quiz ? { ...quiz, answered: quiz.answered.map((a) => ({ ...a })) } : null; },
  },
  onLanguage: render,
  onHide: clear,
  onCallEnded: clear,
});
