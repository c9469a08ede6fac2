// The procedures' booth modules, and what the booth lends them. A procedure with something to
// show on the booth has an ES module (Procedure.booth_module, listed by the page in
// main[data-booth-modules]) and, if it needs markup, a template fragment the page includes in
// the call screen beside the video (Procedure.booth_template). The module registers an object:
//
//   registerBoothModule({
//     name,                          // the procedure's
//     frames: { type(frame) {…} },   // frames it declares: the booth hands it those it does not know
//     onLanguage(lang) {…},          // the citizen chose a language, or the texts came: write yours
//     onHide() {…},                  // take away what you show beside the call: the clerk hid it
//                                    // (hide_document) or something else is shown there
//     onCallEnded() {…},             // the call is over: nothing of it may stay
//     state,                         // optional: what tests read (window.finestreta.modules)
//   })
//
// and asks the booth for what it needs through `booth` below, never through kiosk.js's state.
// It translates with t() from /static/common/i18n.js (its texts, in its procedure's domain, come
// with the booth's), and may use the platform's catalogue helpers (catalogue.js). A module that
// fails is logged and does not stop the others (or the booth).

const modules = [];
let host = null; // what kiosk.js lends (lendBooth)
let beside = null; // the name of the module whose thing is beside the call

function safely(module, what, run) {
  try {
    run();
  } catch (err) {
    console.error(`booth module ${module.name || "?"}: ${what} failed`, err);
  }
}

export const booth = {
  // The citizen's language now: "ca", "es" or "en".
  language() {
    return host ? host.language() : "ca";
  },
  // Whether the booth is in a call.
  inCall() {
    return Boolean(host && host.inCall());
  },
  // Tell screen-reader users something (politely, after what they are hearing).
  announce(message) {
    if (host) host.announce(message);
  },
  // The module `name` shows something beside the call: the booth takes away what else was
  // there (a document the clerk showed, another module's thing) and makes room for it.
  showBeside(name) {
    if (host) host.clearDocument();
    for (const module of modules) {
      if (module.name !== name && module.onHide) safely(module, "onHide", () => module.onHide());
    }
    beside = name;
    if (host) host.layout(true);
  },
  // Nothing of the module `name` is beside the call any more: the video gets the room back.
  hideBeside(name) {
    if (beside !== name) return;
    beside = null;
    if (host) host.layout(false);
  },
  // The focus back on the call (its heading), e.g. when what had it went away.
  focusCall() {
    if (host) host.focusCall();
  },
  // Send one of the module's procedure's frames to the server (false when not connected).
  send(frame) {
    return Boolean(host && host.send && host.send(frame));
  },
};

export function registerBoothModule(module) {
  modules.push(module);
}

// ------------------------------------------------------------------ for kiosk.js
// host: {language(), inCall(), announce(message), clearDocument(), layout(besideShown), focusCall(), send(frame)}
export function lendBooth(lent) {
  host = lent;
}

export function moduleFrame(frame) {
  let handled = false;
  for (const module of modules) {
    const handler = module.frames && module.frames[frame.type];
    if (handler) {
      handled = true;
      safely(module, frame.type, () => handler(frame));
    }
  }
  return handled;
}

// What is beside the call goes: the clerk hid it, or shows a document there.
export function modulesHide() {
  for (const module of modules) if (module.onHide) safely(module, "onHide", () => module.onHide());
  beside = null;
  if (host) host.layout(false);
}

export function modulesCallEnded() {
  for (const module of modules) if (module.onCallEnded) safely(module, "onCallEnded", () => module.onCallEnded());
  beside = null;
  if (host) host.layout(false);
}

export function modulesLanguage(lang) {
  for (const module of modules) if (module.onLanguage) safely(module, "onLanguage", () => module.onLanguage(lang));
}

export function moduleStates() {
  return Object.fromEntries(modules.filter((module) => module.state).map((module) => [module.name, module.state]));
}

export async function loadBoothModules(root) {
  const urls = JSON.parse((root && root.dataset.boothModules) || "[]");
  await Promise.all(urls.map((url) => import(url).catch((err) => console.error("booth module", url, err))));
  return modules;
}
