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

export class CallSession {
  constructor({ callId, role, iceUrl, ice = null, send, localVideo, remoteVideo, onState = () => {} }) {
    this.callId = callId;
    this.polite = role === "polite";
    this.iceUrl = iceUrl;
    this.ice = ice;  // the configuration sent with call_started: no round trip before connecting
    this.sendSignal = (data) => send({ type: "signal", call_id: callId, data });
    this.localVideo = localVideo;
    this.remoteVideo = remoteVideo;
    this.onState = onState;
    this.stream = null;
    this.pc = null;
    this.closed = false;
    // Signals that arrive while start() is still fetching the ICE configuration are kept and
    // applied in order once the peer connection exists; dropping them loses the other's offer.
    this.early = [];
  }

  async start(stream) {
    this.stream = stream;
    if (this.localVideo) {
      this.localVideo.srcObject = stream;
    }
    if (this.ice) {
      this.config = this.ice;
    } else {
      const response = await fetch(this.iceUrl, { credentials: "same-origin" });
      this.config = response.ok ? await response.json() : { iceServers: [] };
    }
    this.connect();
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
    const early = this.early;
    this.early = [];
    this.chain = early.reduce((done, data) => done.then(() => this.apply(data)), Promise.resolve());
  }

  handleSignal(data) {
    if (!data) return Promise.resolve();
    if (!this.pc) {
      this.early.push(data);
      return Promise.resolve();
    }
    // One at a time, in arrival order: a candidate must not overtake its description.
    this.chain = (this.chain || Promise.resolve()).then(() => this.apply(data));
    return this.chain;
  }

  async apply(data) {
    const pc = this.pc;
    if (!pc || this.closed) return;
    if (data.restart) {  // the other side starts over: so do we (see armWatchdog)
      this.restart();
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
          if (!this.ignoreOffer) console.warn("candidate refused", err);
        }
      }
    } catch (err) {
      console.warn("signal failed", err);
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
          this.restart();
          return;  // restart() arms a new watchdog
        }
      }
      this.armWatchdog();
    }, STALL_MS);
  }

  // The other side came back (page reload, network blip): start a fresh connection.
  // A fresh peer connection; ``ice`` (from the call_started of a reconnection) brings TURN
  // credentials that have not expired in a long call.
  restart(ice = null) {
    if (ice) this.ice = this.config = ice;
    clearTimeout(this.watchdog);
    if (this.pc) this.pc.close();
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
    clearTimeout(this.watchdog);
    if (this.pc) this.pc.close();
    for (const track of this.stream ? this.stream.getTracks() : []) track.stop();
    if (this.localVideo) this.localVideo.srcObject = null;
    if (this.remoteVideo) this.remoteVideo.srcObject = null;
  }
}
