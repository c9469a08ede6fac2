// The fixed texts of the booth page, by key: an element with data-t="key" gets TEXTS[key] in the
// current language (or in its data-t-lang). Each entry is a literal t("…") so that pybabel finds
// it; texts that change with the state live in kiosk.js, also as literal t("…") calls.

import { t } from "/static/common/i18n.js";

export const TEXTS = {
  "brand.sub": (l) => t("City hall video attention", null, l),
  "skip": (l) => t("Skip to content", null, l),
  "conn.reconnecting": (l) => t("Reconnecting… Please wait a moment.", null, l),

  "idle.welcome": (l) => t("Welcome", null, l),
  "idle.intro": (l) => t("Talk by video with the city hall's citizen service staff.", null, l),
  "idle.choose": (l) => t("Choose your language", null, l),
  "idle.language": (l) => t("Language", null, l),

  "step.1": (l) => t("Step 1 of 2", null, l),
  "step.2": (l) => t("Step 2 of 2", null, l),
  "common.back": (l) => t("Back", null, l),

  "privacy.title": (l) => t("Before we start", null, l),
  "privacy.lead": (l) => t("Please read how video attention works.", null, l),
  "privacy.video": (l) => t("A city hall clerk will attend you by live video call, as if you were at the counter.", null, l),
  "privacy.recording": (l) => t("Nothing is recorded: neither the image nor the sound of the call.", null, l),
  "privacy.devices": (l) => t("The camera and the microphone are used only during the call.", null, l),
  "privacy.basis": (l) => t("The city council handles your data to carry out a task in the public interest (GDPR, article 6.1.e).", null, l),
  "privacy.clear": (l) => t("When you finish, the booth clears everything from the screen.", null, l),
  "privacy.rights": (l) => t("You can ask the clerk how to exercise your data protection rights.", null, l),
  "privacy.accept": (l) => t("Accept and continue", null, l),

  "prompt.scanReady": (l) => t("Done: scan it", null, l),

  "topic.title": (l) => t("What is your query about?", null, l),
  "topic.hint": (l) => t("Choose one option and then press “Request attention”.", null, l),
  "topic.request": (l) => t("Request attention", null, l),

  "waiting.topic": (l) => t("Your query:", null, l),
  "waiting.position": (l) => t("Your position in the queue", null, l),
  "waiting.next": (l) => t("You are next", null, l),
  "waiting.wait": (l) => t("Estimated wait", null, l),
  "waiting.ringing.text": (l) => t("Please stay in front of the screen: the call will start by itself in a moment.", null, l),
  "waiting.help": (l) => t("Stay near the booth. When a clerk answers, the call will start on this screen.", null, l),
  "waiting.cancel": (l) => t("Cancel my request", null, l),

  "still.title": (l) => t("Are you still there?", null, l),
  "still.keep": (l) => t("Keep waiting", null, l),

  "call.you": (l) => t("Your image", null, l),
  "call.mute": (l) => t("Mute", null, l),
  "call.camera": (l) => t("Turn camera off", null, l),
  "call.hangup": (l) => t("Hang up", null, l),
  "call.sound": (l) => t("Tap to hear the clerk", null, l),

  "doc.kicker": (l) => t("Document from the clerk:", null, l),
  "doc.zoom": (l) => t("Document size", null, l),
  "doc.zoom_in": (l) => t("Zoom in", null, l),
  "doc.zoom_out": (l) => t("Zoom out", null, l),
  "doc.zoom_fit": (l) => t("Fit to screen", null, l),

  "rating.title": (l) => t("The call has ended", null, l),
  "rating.question": (l) => t("How was the attention you received?", null, l),
  "rating.hint": (l) => t("Your answer is anonymous and helps us improve.", null, l),
  "rating.1": (l) => t("Very poor", null, l),
  "rating.2": (l) => t("Poor", null, l),
  "rating.3": (l) => t("Fair", null, l),
  "rating.4": (l) => t("Good", null, l),
  "rating.5": (l) => t("Very good", null, l),
  "rating.skip": (l) => t("Skip", null, l),

  "thanks.title": (l) => t("Thank you!", null, l),
  "thanks.text": (l) => t("Thank you for using the city hall's video attention. Goodbye!", null, l),
  "thanks.cleared": (l) => t("The booth has cleared everything and will return to the start in a few seconds.", null, l),
  "thanks.done": (l) => t("Finish", null, l),
  "left.title": (l) => t("The clerk has had to leave the call", null, l),
  "left.text": (l) => t("It was not your doing. You can ask for another clerk now: you will be the first in the queue.", null, l),
  "left.again": (l) => t("Ask for another clerk", null, l),
  "left.finish": (l) => t("Finish", null, l),

  "closed.hours": (l) => t("Opening hours", null, l),
  "closed.inperson": (l) => t("You can also be attended in person at the citizen service offices.", null, l),
  "closed.continue": (l) => t("Continue", null, l),

  "catalogue.open": (l) => t("Look up information about procedures", null, l),
  "catalogue.open_waiting": (l) => t("Browse information while you wait", null, l),
  "catalogue.title": (l) => t("Information about procedures and services", null, l),
  "catalogue.search_label": (l) => t("What are you looking for?", null, l),
  "catalogue.search_hint": (l) => t("Type a few letters, for example “census”, “parking” or “wedding”.", null, l),
  "catalogue.clear": (l) => t("Clear the search", null, l),
  "catalogue.keyboard": (l) => t("Keyboard", null, l),
  "catalogue.space": (l) => t("Space", null, l),
  "catalogue.hide_keyboard": (l) => t("Hide the keyboard", null, l),
  "catalogue.topic": (l) => t("Topic:", null, l),
  "catalogue.all_topics": (l) => t("All topics", null, l),
  "catalogue.categories": (l) => t("Browse by topic", null, l),
  "catalogue.results": (l) => t("Results", null, l),
  "catalogue.talk": (l) => t("Talk to a clerk by video", null, l),
  "catalogue.back_list": (l) => t("Back to the list", null, l),
  "catalogue.to_queue": (l) => t("Back to the queue", null, l),

  "unavailable.title": (l) => t("This booth is not available", null, l),
  "unavailable.text": (l) => t("Please ask the staff of the centre for help.", null, l),
};

// Labels that are attributes rather than text (data-t-label="key" → aria-label).
export const LABELS = {
  "remote-video": (l) => t("Video of the clerk", null, l),
  "local-video": (l) => t("Your own image, as the clerk sees it", null, l),
  "catalogue.backspace": (l) => t("Delete the last letter", null, l),
};

// The headings of a catalogue entry (the booth's own screen, and the one the clerk shows: the
// information procedure's booth module draws it with catalogue.js too).
export const ENTRY_HEADINGS = {
  who: () => t("Who can ask for it"),
  requirements: () => t("What you need"),
  fees: () => t("What it costs"),
  channels: () => t("Where you can do it"),
  where_when: () => t("Where and when"),
  links: () => t("More information"),
};

// What the booth asks the citizen to do while the clerk scans or prints (device_prompt frames).
export const PROMPTS = {
  place_on_scanner: (source) => (source === "feeder"
    ? t("Place your pages in the document feeder")
    : t("Place your document face down on the scanner glass")),
  scanning: () => t("Scanning… keep the document still"),
  printing: () => t("Printing your document…"),
  collect_printout: () => t("Please collect your document from the printer"),
  device_problem: () => t("There is a problem with the booth's device. The clerk will tell you what to do."),
};

export function text(key, lang) {
  const entry = TEXTS[key] || LABELS[key];
  return entry ? entry(lang) : "";
}
