// Live player: one WebSocket per tile carrying fragmented MP4 into Media Source Extensions.
//
// The server sends JSON text messages (hello, state, track, error) and binary messages:
// a 24-byte header (kind, flags, reserved, sequence, server arrival time in ms since the
// epoch, media time in s) followed by an init segment or one fragment per frame. The
// player keeps itself at the live edge (it jumps ahead instead of drifting behind) and
// measures the live-edge lag: now minus the server arrival time of the frame on screen.

import { _ } from "./i18n.js";

const HEADER_BYTES = 24;
const KIND_INIT = 1;
const EDGE_TARGET = 0.1; // seconds of buffer kept ahead of the play head
const EDGE_CATCH_UP = 0.3; // further behind than this: play a little faster
const EDGE_JUMP = 1.0; // further behind than this: jump to the edge
const KEEP_BEHIND = 10; // seconds kept behind the play head (older buffer is removed)
const FINAL_CODES = new Set([4401, 4403, 4404]);
const MP4 = ["video", "mp4"].join("/");

/** The MIME type of fragmented MP4 carrying `codec` (RFC 6381), as Media Source Extensions want it. */
function mp4Type(codec) {
  return `${MP4}; codecs="${codec}"`;
}

export class LivePlayer {
  constructor(video, cameraId, events = {}, purpose = null) {
    this.video = video;
    this.cameraId = cameraId;
    this.events = events;
    this.purpose = purpose; // null: the purpose stated for the shift
    this.queue = [];
    this.arrivals = []; // [mediaTime, arrivalMs] of recent fragments, oldest first
    this.clockOffset = 0; // server clock minus ours, from the hello
    this.lagMs = null;
    this.closed = false;
    this.retry = 1000;
    this.codec = "";
    this.connect();
    this.watchFrames();
  }

  connect() {
    const url = new URL("/api/live/" + encodeURIComponent(this.cameraId) + "/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (this.purpose) {
      url.search = new URLSearchParams({
        purpose: this.purpose.kind,
        justification: this.purpose.justification,
        legal_basis_ref: this.purpose.legal_basis_ref || "",
      }).toString();
    }
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (event) => (typeof event.data === "string" ? this.onText(JSON.parse(event.data)) : this.onBinary(event.data));
    ws.onclose = (event) => this.onClose(event);
    this.ws = ws;
    this.emit("state", { state: "connecting", reason: "" });
  }

  emit(name, detail) {
    if (this.events[name]) this.events[name](detail);
  }

  onText(message) {
    if (message.type === "hello") {
      this.clockOffset = message.server_time - Date.now();
      this.retry = 1000;
      this.emit("hello", message);
    } else if (message.type === "state") {
      this.emit("state", message);
    } else if (message.type === "track") {
      this.setTrack(message.codec);
    } else if (message.type === "error") {
      this.emit("error", message);
    }
  }

  setTrack(codec) {
    if (!window.MediaSource || !MediaSource.isTypeSupported(mp4Type(codec))) {
      this.emit("error", {
        status: 415,
        detail: _("This browser cannot play {codec} live; ask for the camera's H.264 stream.", { codec }),
      });
      this.stop();
      return;
    }
    if (this.buffer && codec !== this.codec && this.buffer.changeType) {
      this.queue.push(() => this.buffer.changeType(mp4Type(codec)));
    }
    this.codec = codec;
    if (this.mediaSource) return;
    this.mediaSource = new MediaSource();
    this.mediaSource.addEventListener("sourceopen", () => {
      this.buffer = this.mediaSource.addSourceBuffer(mp4Type(codec));
      this.buffer.mode = "segments";
      this.buffer.addEventListener("updateend", () => this.afterAppend());
      this.pump();
    });
    this.video.src = URL.createObjectURL(this.mediaSource);
  }

  onBinary(data) {
    const view = new DataView(data);
    const kind = view.getUint8(0);
    const arrival = view.getFloat64(8);
    const mediaTime = view.getFloat64(16);
    const payload = new Uint8Array(data, HEADER_BYTES);
    if (kind !== KIND_INIT) {
      this.arrivals.push([mediaTime, arrival]);
      if (this.arrivals.length > 600) this.arrivals.splice(0, 300);
    }
    this.queue.push(payload);
    this.pump();
  }

  pump() {
    if (!this.buffer || this.buffer.updating || this.mediaSource.readyState !== "open") return;
    const next = this.queue.shift();
    if (next === undefined) return;
    try {
      if (typeof next === "function") {
        next();
        this.pump();
      } else {
        this.buffer.appendBuffer(next);
      }
    } catch (error) {
      this.emit("error", { status: 0, detail: _("The browser refused the stream: {reason}", { reason: error.message }) });
      this.restart();
    }
  }

  afterAppend() {
    const ranges = this.buffer.buffered;
    if (ranges.length) {
      const end = ranges.end(ranges.length - 1);
      const start = ranges.start(ranges.length - 1);
      const behind = end - this.video.currentTime;
      if (this.video.currentTime < start || behind > EDGE_JUMP) {
        this.video.currentTime = Math.max(start, end - EDGE_TARGET);
        this.video.playbackRate = 1;
      } else {
        this.video.playbackRate = behind > EDGE_CATCH_UP ? 1.15 : 1;
      }
      if (this.video.paused) this.video.play().catch(() => {});
      if (!this.buffer.updating && this.video.currentTime - ranges.start(0) > 2 * KEEP_BEHIND) {
        this.buffer.remove(0, this.video.currentTime - KEEP_BEHIND);
        return;
      }
    }
    this.pump();
  }

  watchFrames() {
    if (!this.video.requestVideoFrameCallback) return;
    const onFrame = (_now, meta) => {
      if (this.closed) return;
      this.lagMs = this.lagFor(meta.mediaTime);
      this.video.requestVideoFrameCallback(onFrame);
    };
    this.video.requestVideoFrameCallback(onFrame);
  }

  lagFor(mediaTime) {
    // The fragment whose media time is closest to the frame on screen.
    let best = null;
    for (let i = this.arrivals.length - 1; i >= 0; i--) {
      const [time, arrival] = this.arrivals[i];
      if (best === null || Math.abs(time - mediaTime) < Math.abs(best[0] - mediaTime)) best = [time, arrival];
      if (time < mediaTime - 1) break;
    }
    if (best === null || Math.abs(best[0] - mediaTime) > 0.5) return null;
    return Math.max(0, Date.now() + this.clockOffset - best[1]);
  }

  onClose(event) {
    if (this.closed) return;
    if (FINAL_CODES.has(event.code)) {
      // Refused or stopped (a grant revoked, the purpose withdrawn): no buffered frame plays on.
      this.stop();
      this.emit("state", { state: "refused", reason: event.reason });
      return;
    }
    this.emit("state", { state: "reconnecting", reason: event.reason || _("connection lost") });
    this.restart();
  }

  restart() {
    this.teardown();
    if (this.closed) return;
    setTimeout(() => {
      if (!this.closed) this.connect();
    }, this.retry);
    this.retry = Math.min(this.retry * 2, 10000);
  }

  teardown() {
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
    }
    this.queue = [];
    this.arrivals = [];
    this.buffer = null;
    this.codec = "";
    if (this.mediaSource) {
      this.video.removeAttribute("src");
      this.video.load();
      this.mediaSource = null;
    }
  }

  stop() {
    this.closed = true;
    this.teardown();
  }
}
