// The sandbox gateway's keypad: the booth is touch-only and its on-screen keyboard cannot type
// into this page (another origin, in a frame), so the page brings its own digits. The keys type
// into the field last chosen (the card number first); a full field passes on to the next.
const fields = ["card", "expiry", "cvv"].map((id) => document.getElementById(id)).filter(Boolean);
const keypad = document.getElementById("keypad");
const full = { card: 19, expiry: 4, cvv: 3 }; // digits
const next = { card: 16, expiry: 4, cvv: 3 }; // digits after which the next field is chosen
let active = fields[0];

function digits(field) {
  return field.value.replace(/\D/g, "");
}

function show(field, raw) {
  if (field.id === "card") field.value = raw.replace(/(\d{4})(?=\d)/g, "$1 ");
  else if (field.id === "expiry") field.value = raw.length > 2 ? `${raw.slice(0, 2)}/${raw.slice(2)}` : raw;
  else field.value = raw;
}

function choose(field) {
  if (!field) return;
  active = field;
  for (const each of fields) each.classList.toggle("is-active", each === field);
  keypad?.setAttribute("aria-controls", field.id);
}

function press(key) {
  if (!active) return;
  if (key === "next") {
    choose(fields[(fields.indexOf(active) + 1) % fields.length]);
    active.focus();
    return;
  }
  let raw = digits(active);
  if (key === "delete") raw = raw.slice(0, -1);
  else if (/^\d$/.test(key) && raw.length < full[active.id]) raw += key;
  show(active, raw);
  if (/^\d$/.test(key) && raw.length === next[active.id]) {
    const after = fields[fields.indexOf(active) + 1];
    if (after) choose(after);
  }
}

for (const field of fields) {
  field.addEventListener("focus", () => choose(field));
  field.addEventListener("input", () => show(field, digits(field).slice(0, full[field.id])));
}
keypad?.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-key]");
  if (button) press(button.dataset.key);
});
choose(fields.find((field) => field.getAttribute("aria-invalid") === "true") || fields[0]);
