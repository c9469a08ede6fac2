// The procedures' booth modules: each procedure with something to show on the booth (listed by
// the page in main[data-booth-modules]) registers an object here; the booth hands it the frames
// it declares and tells it when the call ends and when the citizen changes language:
//
//   registerBoothModule({ name, frames: { type(frame) {…} }, onCallEnded() {…}, onLanguage(lang) {…} })

const modules = [];

function safely(module, what, run) {
  try {
    run();
  } catch (err) {
    console.error(`booth module ${module.name || "?"}: ${what} failed`, err);
  }
}

export function registerBoothModule(module) {
  modules.push(module);
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

export function modulesCallEnded() {
  for (const module of modules) if (module.onCallEnded) safely(module, "onCallEnded", () => module.onCallEnded());
}

export function modulesLanguage(lang) {
  for (const module of modules) if (module.onLanguage) safely(module, "onLanguage", () => module.onLanguage(lang));
}

export async function loadBoothModules(root) {
  const urls = JSON.parse((root && root.dataset.boothModules) || "[]");
  await Promise.all(urls.map((url) => import(url).catch((err) => console.error("booth module", url, err))));
  return modules;
}
