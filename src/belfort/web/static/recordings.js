// Recording player: plays a camera's footage from any moment in a <video>, under a
// playback grant.
//
// Asking to play from a moment is one consultation (POST /api/recordings/playback, one
// audit record) that grants an hour from that moment, never past "now". Inside a grant
// the player lays out clips (GET /api/recordings/layout) without a new decision: one MP4
// from the moment until the next pause in the recording, which it skips. Each clip
// starts at a keyframe at or before the moment, so the player seeks the few frames in
// between. It reports the instant (UTC milliseconds) of the frame on screen.

import { ApiError, api, isRefusal } from "./api.js";
import { _ } from "./i18n.js";
import { formatLocal } from "./localtime.js";

const GRANT_WINDOW = 3600 * 1000;
const SPEEDS = [0.5, 1, 2, 4, 8];

export class RecordingPlayer {
  /**
   * video: the <video> element; cameraId; csrf: the page's CSRF token;
   * purpose(): the stated purpose or null; events: { time(ms), state(text, kind), refused(error), ended() }.
   */
  constructor(video, { cameraId, csrf, purpose, events = {} }) {
    this.video = video;
    this.cameraId = cameraId;
    this.csrf = csrf;
    this.purpose = purpose;
    this.events = events;
    this.grant = null; // { token, start, end }
    this.clip = null; // { url, start, end, frames, nextStart, requested }
    this.rate = 1;
    this.wanted = null;
    this.active = false;
    this.generation = 0;
    video.addEventListener("ended", () => this.onEnded());
    video.addEventListener("loadedmetadata", () => this.onLoaded());
    video.addEventListener("error", () => this.onError());
    this.watchFrames();
  }

  emit(name, ...args) {
    if (this.events[name]) this.events[name](...args);
  }

  get fps() {
    if (!this.clip) return 20;
    const seconds = (this.clip.end - this.clip.start) / 1000;
    return seconds > 0 && this.clip.frames > 0 ? this.clip.frames / seconds : 20;
  }

  /** Wall-clock time (ms) of the frame on screen, or null when nothing is loaded. */
  get wallTime() {
    if (!this.clip || !this.active) return null;
    return this.clip.start + this.mediaTime * 1000;
  }

  get mediaTime() {
    return this.lastMediaTime ?? this.video.currentTime;
  }

  /** Play from instant `ms`: a new consultation unless a grant covers it. */
  async playFrom(ms, { paused = false } = {}) {
    const generation = ++this.generation;
    this.wanted = { ms, paused };
    this.active = true;
    try {
      if (!this.grant || ms < this.grant.start || ms >= this.grant.end - 500) {
        await this.requestGrant(ms);
      }
      if (generation !== this.generation) return;
      const layout = await this.layout(ms);
      if (generation !== this.generation) return;
      this.load(layout, ms);
    } catch (error) {
      if (generation !== this.generation) return;
      if (isRefusal(error)) {
        this.grant = null;
        this.emit("refused", error);
      } else {
        this.emit("state", error.message, "error");
      }
      this.emit("time", null);
    }
  }

  async requestGrant(ms) {
    const purpose = this.purpose();
    // Refused here as the server would refuse it, without a consultation in the audit log.
    if (!purpose) throw new ApiError(403, _("State why you need to see this footage first."), ["purpose"]);
    const now = Date.now();
    if (ms >= now) throw new Error(_("That moment has not been recorded yet: choose a moment in the past."));
    const end = Math.min(ms + GRANT_WINDOW, now);
    const answer = await api("/api/recordings/playback", {
      method: "POST",
      csrf: this.csrf,
      body: { camera: this.cameraId, start: new Date(ms).toISOString(), end: new Date(end).toISOString(), purpose },
    });
    this.grant = { token: answer.grant, start: Date.parse(answer.grant_start), end: Date.parse(answer.grant_end) };
    this.emit("state", answer.reason, "ok");
    if (!answer.clip) throw new Error(_("Nothing was recorded from that moment on within the hour you asked for."));
  }

  async layout(ms) {
    const query = new URLSearchParams({
      camera: this.cameraId,
      start: new Date(Math.max(ms, this.grant.start)).toISOString(),
      end: new Date(this.grant.end).toISOString(),
      grant: this.grant.token,
    });
    const answer = await api("/api/recordings/layout?" + query, { csrf: this.csrf });
    return {
      url: answer.url,
      start: Date.parse(answer.start),
      end: Date.parse(answer.end),
      frames: answer.frames,
      nextStart: answer.next_start ? Date.parse(answer.next_start) : null,
    };
  }

  load(clip, ms) {
    this.clip = clip;
    this.lastMediaTime = null;
    this.settling = true; // until the seek to the moment is done, frames on screen are the keyframe's
    this.seekTo = Math.max(0, (ms - clip.start) / 1000);
    if (ms < clip.start) {
      const resumes = formatLocal(clip.start);
      this.emit("state", _("No footage at that moment: playing from {moment}, where footage resumes.", { moment: resumes }), "muted");
    }
    this.video.src = clip.url;
  }

  onLoaded() {
    if (this.seekTo === undefined || this.seekTo === null) return;
    if (this.seekTo === 0) this.settling = false;
    this.video.currentTime = this.seekTo;
    this.seekTo = null;
    this.video.playbackRate = this.rate;
    if (this.wanted && this.wanted.paused) this.video.pause();
    else this.video.play().catch(() => {});
  }

  onError() {
    if (!this.active || !this.video.getAttribute("src")) return;
    const error = this.video.error;
    const text = error
      ? _("The browser cannot play this clip ({reason}).", { reason: error.message || error.code })
      : _("The browser cannot play this clip.");
    this.emit("state", text, "error");
  }

  onEnded() {
    if (!this.clip || !this.grant) return;
    const next = this.clip.nextStart;
    if (next !== null && next < this.grant.end) {
      const pause = Math.round((next - this.clip.end) / 1000);
      if (pause >= 1) this.emit("state", _("Skipped a pause in the recording of {seconds} s.", { seconds: pause }), "muted");
      this.playFrom(next);
    } else if (this.clip.end < this.grant.end - 1000) {
      this.emit("state", _("The latest recorded footage is reached."), "muted");
      this.emit("ended");
    } else if (this.grant.end < Date.now() - 5000) {
      this.playFrom(this.grant.end); // the next hour: a new consultation
    } else {
      this.emit("state", _("The latest recorded footage is reached."), "muted");
      this.emit("ended");
    }
  }

  watchFrames() {
    const tick = (_now, meta) => {
      if (meta && !this.settling) {
        this.lastMediaTime = meta.mediaTime;
        const wall = this.wallTime;
        if (wall !== null) this.emit("time", wall);
      }
      this.video.requestVideoFrameCallback(tick);
    };
    if (this.video.requestVideoFrameCallback) this.video.requestVideoFrameCallback(tick);
    this.video.addEventListener("seeked", () => {
      this.settling = false;
      this.lastMediaTime = this.video.currentTime;
      const wall = this.wallTime;
      if (wall !== null) this.emit("time", wall);
    });
  }

  togglePlay() {
    if (!this.clip) return;
    if (this.video.paused) this.video.play().catch(() => {});
    else this.video.pause();
  }

  pause() {
    this.video.pause();
  }

  play() {
    if (this.clip) this.video.play().catch(() => {});
  }

  setRate(rate) {
    this.rate = SPEEDS.includes(rate) ? rate : 1;
    this.video.playbackRate = this.rate;
  }

  /** One frame forward (+1) or back (-1), paused. */
  step(direction) {
    if (!this.clip) return;
    this.video.pause();
    const frame = 1 / this.fps;
    const target = this.mediaTime + direction * frame;
    if (target < 0 && this.clip.start > (this.grant ? this.grant.start : 0)) {
      this.playFrom(this.clip.start - frame * 1000, { paused: true });
      return;
    }
    this.video.currentTime = Math.max(0, target + frame / 4);
  }

  /** Show the moment `ms` when the clip on screen has it buffered; false when it has not. */
  preview(ms) {
    if (!this.active || !this.clip || ms < this.clip.start || ms >= this.clip.end) return false;
    const target = (ms - this.clip.start) / 1000;
    const buffered = this.video.buffered;
    for (let i = 0; i < buffered.length; i++) {
      if (buffered.start(i) <= target && target < buffered.end(i)) {
        this.video.currentTime = target;
        return true;
      }
    }
    return false;
  }

  /** Jump to a moment: by seeking when the clip has it buffered, else by a new clip (or grant). */
  seek(ms) {
    if (!this.preview(ms)) this.playFrom(ms, { paused: this.video.paused });
  }

  stop() {
    this.generation++;
    this.active = false;
    this.clip = null;
    this.video.pause();
    this.video.removeAttribute("src");
    this.video.load();
  }
}

export { SPEEDS };
