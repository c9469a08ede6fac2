// A WebSocket that stays up: reconnects with backoff, pings to notice a dead server, and
// hands every frame to onFrame. The server resumes our state on each "hello".

const MAX_BACKOFF_MS = 10000;
const SERVICE_RESTART = 1012;

export class Channel {
  // query: what to add to the URL at each connection (e.g. "?media=<call>", common/call.js)
  constructor(path, { onFrame, onStatus = () => {}, heartbeatSeconds = 5, query = () => "" } = {}) {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
    this.query = query;
    this.onFrame = onFrame;
    this.onStatus = onStatus;
    this.heartbeatMs = heartbeatSeconds * 1000;
    this.backoff = 500;
    this.stopped = false;
    this.lastHeard = Date.now();
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    const ws = new WebSocket(this.url + this.query());
    this.ws = ws;
    this.onStatus("connecting");
    ws.onopen = () => {
      this.backoff = 500;
      this.lastHeard = Date.now();
      this.onStatus("open");
      clearInterval(this.timer);
      this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    };
    ws.onmessage = (event) => {
      this.lastHeard = Date.now();
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (frame.type === "hello" && frame.heartbeat_s) {
        this.heartbeatMs = frame.heartbeat_s * 1000;
      }
      if (frame.type !== "pong") this.onFrame(frame);
    };
    ws.onclose = (event) => {
      clearInterval(this.timer);
      if (this.ws !== ws) return;
      // 4401/4403: not (or no longer) allowed; reconnecting would not help.
      if (event.code === 4401 || event.code === 4403 || event.code === 4409) {
        this.stopped = true;
        this.onStatus("refused", event.code);
        return;
      }
      this.onStatus("closed", event.code);
      if (event.code === SERVICE_RESTART) {
        // The server drains before a restart (docs/protocol.md): back at once, spread over
        // half a second so that every page does not come in the same instant; no backoff.
        this.backoff = 500;
        setTimeout(() => this.connect(), Math.random() * 500);
        return;
      }
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
    };
  }

  heartbeat() {
    if (Date.now() - this.lastHeard > this.heartbeatMs * 3) {
      this.ws.close();  // the server is gone; onclose reconnects
      return;
    }
    this.send({ type: "ping", t: Date.now() });
  }

  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  close() {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.ws) this.ws.close();
  }
}
