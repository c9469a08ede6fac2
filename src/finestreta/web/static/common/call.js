// One side of a video call: an RTCPeerConnection with "perfect negotiation". The server tells
// each side its role (the booth is polite, the clerk impolite) and relays descriptions and
// candidates; media flows peer to peer (or through TURN).

export async function openMedia() {
  // Prefer HD from the booth camera; fall back to whatever the device offers.
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: { width: { ideal: 1280 }, height: { ideal: 720 } },
    });
  } catch (err) {
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch {
      throw err;
    }
  }
}

// A call whose connection has not come up this long after negotiation is retried with an ICE
// restart (new credentials, fresh candidate gathering on both sides). Seen in the tests: under
// load a peer's candidate gathering can stall, leaving both sides "new" for good.
export const STALL_MS = 8000;

// Whether an ice object's TURN credentials have run out (expiresAt: Unix seconds; none: never).
function expired(ice) {
  return Boolean(ice && ice.expiresAt && ice.expiresAt * 1000 <= Date.now());
}

// What a page's socket adds to its URL when it reconnects: "?media=<call>" while the call's peer
// connection is connected, so that the server lets both sides keep it (docs/protocol.md,
// "Starting over"); "" otherwise.
export function mediaQuery(session) {
  const pc = session && !session.closed && session.pc;
  return pc && pc.connectionState === "connected" ? `?media=${encodeURIComponent(session.callId)}` : "";
}

// Signals are this object's to keep: the page hands every one of its call to handleSignal as
// it arrives, at any time (before start() has resolved too: the camera may still be opening),
// and they are applied one at a time, in arrival order, to the peer connection of the moment.
// Those that arrive while there is none (before start(), or while a restart fetches fresh ICE
// credentials) wait for the next one.
export class CallSession {
  constructor({ callId, role, iceUrl, ice = null, send, localVideo, remoteVideo, onState = () => {} }) {
    this.callId = callId;
    this.polite = role === "polite";
    this.iceUrl = iceUrl;
    this.ice = ice;  // the configuration sent with call_started: no round trip before connecting
    this.config = null;  // the configuration in use, once started
    this.sendSignal = (data) => send({ type: "signal", call_id: callId, data });
    this.localVideo = localVideo;
    this.remoteVideo = remoteVideo;
    this.onState = onState;
    this.stream = null;
    this.pc = null;
    this.closed = false;
    this.pending = [];     // signals not applied yet, in arrival order
    this.applying = null;  // the loop applying them, while it runs
    this.startingOver = 0; // counts restarts: a slower one's late answer is dropped
  }

  async start(stream) {
    this.stream = stream;
    if (this.localVideo) {
      this.localVideo.srcObject = stream;
    }
    this.config = this.ice && !expired(this.ice) ? this.ice : await this.fetchIce(this.ice || { iceServers: [] });
    this.connect();
  }

  // A fresh configuration (new TURN credentials) from iceUrl; `otherwise` if it cannot be had
  // (the call goes on with what it has: host candidates connect on one network).
  async fetchIce(otherwise) {
    try {
      const response = await fetch(this.iceUrl, { credentials: "same-origin" });
      if (response.ok) {
        this.ice = await response.json();
        return this.ice;
      }
      console.warn("no fresh ICE configuration:", response.status);
    } catch (err) {
      console.warn("no fresh ICE configuration:", err);
    }
    return otherwise;
  }

  connect() {
    if (this.closed) return;
    const pc = new RTCPeerConnection({
      iceServers: this.config.iceServers || [],
      iceTransportPolicy: this.config.iceTransportPolicy || "all",
    });
    this.pc = pc;
    this.makingOffer = false;
    this.ignoreOffer = false;
    pc.ontrack = ({ streams }) => {
      if (this.remoteVideo && this.remoteVideo.srcObject !== streams[0]) {
        this.remoteVideo.srcObject = streams[0];
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.sendSignal({ candidate: candidate.toJSON() });
    };
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.sendSignal({ description: pc.localDescription.toJSON() });
      } catch (err) {
        console.warn("negotiation failed", err);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onconnectionstatechange = () => {
      this.onState(pc.connectionState);
      if (pc.connectionState === "failed") pc.restartIce();
      if (pc.connectionState === "connected") clearTimeout(this.watchdog);
      else this.armWatchdog();
    };
    this.iceRestarts = this.iceRestarts || 0;
    this.armWatchdog();
    for (const track of this.stream ? this.stream.getTracks() : []) {
      pc.addTrack(track, this.stream);
    }
    this.drain();  // what came before this connection existed
  }

  // A signal of this call (signal.data), whenever it arrives; resolves once it has been applied
  // (or, while there is no peer connection, kept).
  handleSignal(data) {
    if (!data || this.closed) return Promise.resolve();
    this.pending.push(data);
    return this.drain();
  }

  // Applies the waiting signals, one at a time (a candidate must not overtake its description),
  // while there is a peer connection; one loop at most.
  drain() {
    if (this.applying) return this.applying;
    if (!this.pc || this.closed || !this.pending.length) return Promise.resolve();
    const run = async () => {
      try {
        do {
          await this.apply(this.pending.shift());
        } while (this.pc && !this.closed && this.pending.length);
      } finally {
        this.applying = null;  // in the same turn as the last look: no signal slips by
      }
    };
    this.applying = run();  // run() is suspended at its first await by now
    return this.applying;
  }

  async apply(data) {
    const pc = this.pc;
    if (data.restart) {  // the other side starts over: so do we (see armWatchdog)
      await this.startOver();  // what it sent after this is for the new connection: kept
      return;
    }
    const { description, candidate } = data;
    try {
      if (description) {
        const collision =
          description.type === "offer" && (this.makingOffer || pc.signalingState !== "stable");
        this.ignoreOffer = !this.polite && collision;
        if (this.ignoreOffer) return;
        await pc.setRemoteDescription(description);
        if (description.type === "offer") {
          await pc.setLocalDescription();
          this.sendSignal({ description: pc.localDescription.toJSON() });
        }
      } else if (candidate) {
        try {
          await pc.addIceCandidate(candidate);
        } catch (err) {
          if (!this.ignoreOffer && pc === this.pc) console.warn("candidate refused", err);
        }
      }
    } catch (err) {
      if (pc === this.pc) console.warn("signal failed", err);  // else: closed by a restart meanwhile
    }
  }

  // Only the impolite side acts (it would win any glare anyway); the polite side follows.
  // First an ICE restart; if that does not help either (or negotiation itself is stuck, e.g.
  // an offer that got no answer), both sides start over with new peer connections: the other
  // side is told with a {restart: true} signal, relayed untouched like any other.
  armWatchdog() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      const pc = this.pc;
      if (!pc || this.closed || pc.connectionState === "connected") return;
      if (!this.polite) {
        const negotiated = pc.signalingState === "stable" && pc.remoteDescription;
        if (negotiated && this.iceRestarts % 2 === 0) {
          this.iceRestarts += 1;
          console.info("call not connected after", STALL_MS, "ms: restarting ICE");
          pc.restartIce();
        } else {
          this.iceRestarts += 1;
          console.info("call still not connected: new peer connections on both sides");
          this.sendSignal({ restart: true });
          this.restart();  // what the booth sent before this was for the old connection
          return;  // restart() arms a new watchdog
        }
      }
      this.armWatchdog();
    }, STALL_MS);
  }

  // Start over with a new peer connection: our socket came back (ice: the hello's, with fresh
  // TURN credentials), or the other side's did (call_restart: the ice we have). Signals still
  // waiting belong to the old connection: dropped. Before start() there is nothing to close, and
  // start() connects with the freshest configuration.
  // kept: the hello's media_kept (we came back with ?media=, the other side was told nothing):
  // a connection still connected goes on; one lost meanwhile is restarted on both sides.
  restart(ice = null, kept = false) {
    if (ice) this.ice = ice;
    if (kept) {
      if (this.pc && this.pc.connectionState === "connected") return Promise.resolve();
      this.sendSignal({ restart: true });
    }
    this.pending = [];
    return this.startOver();
  }

  // The ice in use is reused while it is valid; once its expiresAt has passed (a long call),
  // fresh credentials are fetched from iceUrl first (the old ones are kept if that fails).
  async startOver() {
    if (this.closed || !this.config) return;
    const turn = ++this.startingOver;
    clearTimeout(this.watchdog);
    if (this.pc) this.pc.close();
    this.pc = null;  // signals wait meanwhile
    this.config = this.ice || this.config;
    if (expired(this.config)) {
      this.config = await this.fetchIce(this.config);
      if (turn !== this.startingOver) return;  // started over again meanwhile: that one connects
    }
    this.connect();
  }

  setMuted(muted) {
    for (const track of this.stream ? this.stream.getAudioTracks() : []) track.enabled = !muted;
  }

  setCameraOff(off) {
    for (const track of this.stream ? this.stream.getVideoTracks() : []) track.enabled = !off;
  }

  close() {
    this.closed = true;
    this.pending = [];
    clearTimeout(this.watchdog);
    if (this.pc) this.pc.close();
    for (const track of this.stream ? this.stream.getTracks() : []) track.stop();
    if (this.localVideo) this.localVideo.srcObject = null;
    if (this.remoteVideo) this.remoteVideo.srcObject = null;
  }
}
