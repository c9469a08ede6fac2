// The ring: a two-tone WebAudio chime repeated until stopped, and a flashing window title.
// Browsers keep an AudioContext suspended until the user interacts with the page, so unlock()
// is called from the clerk's clicks (the "Available" button first of all).

const PERIOD_MS = 2200;          // one chime every 2.2 s
const NOTES = [                  // [start s, frequency Hz, length s]
  [0.00, 784, 0.16], [0.20, 988, 0.16], [0.40, 784, 0.16], [0.60, 988, 0.22],
];
const VOLUME = 0.22;

export class Ringer {
  constructor({ onAudioState = () => {} } = {}) {
    this.ctx = null;
    this.loop = null;
    this.flash = null;
    this.nodes = new Set();
    this.title = document.title;
    this.onAudioState = onAudioState;
  }

  get audible() {
    return Boolean(this.ctx) && this.ctx.state === "running";
  }

  // Create or resume the AudioContext; safe to call on every click.
  unlock() {
    try {
      if (!this.ctx) {
        const Context = window.AudioContext || window.webkitAudioContext;
        if (!Context) return false;
        this.ctx = new Context();
        this.ctx.onstatechange = () => this.onAudioState(this.audible);
      }
      if (this.ctx.state === "suspended") {
        this.ctx.resume().then(() => this.onAudioState(this.audible), () => {});
      }
    } catch (err) {
      console.warn("no audio", err);
    }
    this.onAudioState(this.audible);
    return this.audible;
  }

  chime() {
    const ctx = this.ctx;
    if (!ctx || ctx.state !== "running") return;
    const start = ctx.currentTime + 0.03;
    for (const [offset, frequency, length] of NOTES) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      const t0 = start + offset;
      gain.gain.setValueAtTime(0, t0);
      gain.gain.linearRampToValueAtTime(VOLUME, t0 + 0.015);
      gain.gain.setValueAtTime(VOLUME, t0 + length - 0.04);
      gain.gain.linearRampToValueAtTime(0, t0 + length);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + length + 0.02);
      this.nodes.add(osc);
      osc.onended = () => { this.nodes.delete(osc); gain.disconnect(); };
    }
  }

  get ringing() {
    return this.loop !== null;
  }

  start(flashText) {
    if (this.loop !== null) return;
    this.title = document.title;
    this.chime();
    this.loop = setInterval(() => this.chime(), PERIOD_MS);
    let on = false;
    this.flash = setInterval(() => {
      on = !on;
      document.title = on ? `🔔 ${flashText}` : this.title;
    }, 900);
    document.title = `🔔 ${flashText}`;
  }

  stop() {
    if (this.loop !== null) {
      clearInterval(this.loop);
      clearInterval(this.flash);
      this.loop = this.flash = null;
      document.title = this.title;
    }
    for (const osc of this.nodes) {
      try { osc.stop(); } catch { /* already stopped */ }
    }
    this.nodes.clear();
  }

  // One chime, to check the speakers.
  test() {
    this.unlock();
    this.chime();
  }
}
