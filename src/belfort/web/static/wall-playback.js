// Synchronized playback on the video wall: up to four of the wall's cameras play their
// recordings from one moment, kept together by one clock.
//
// Each tile plays through its own RecordingPlayer (one audited consultation per camera,
// under the shift's purpose). A shared clock says which moment the wall shows; tiles that
// drift more than a few hundred milliseconds from it are nudged (a slightly faster or
// slower rate) or moved (a seek), and a tile whose camera has no footage at that moment
// waits, dark, until its footage begins. "Back to live" gives every tile its live stream.

import { _, ngettext } from "./i18n.js";
import { formatLocal, formatTime, readLocal } from "./localtime.js";
import { RecordingPlayer } from "./recordings.js";
import { Timeline } from "./timeline.js";

export const MAX_SYNCHRONIZED = 4;
const NUDGE_LIMIT_MS = 400; // drift below this is corrected by the playback rate
const SEEK_PAUSE_MS = 1500; // at most one seek per tile in this time
const BADGES = { playback: _("PLAYBACK"), absent: _("NO FOOTAGE"), refused: _("REFUSED") };

export class WallPlayback {
  /**
   * tiles(): the wall's tiles ({ el, video, cameraId, index }); cameraName(id);
   * purpose(): the shift's purpose or null; onEnter(), onExit(): give tiles up or back.
   */
  constructor({ csrf, tiles, cameraName, purpose, say, onEnter, onExit }) {
    this.csrf = csrf;
    this.tiles = tiles;
    this.cameraName = cameraName;
    this.purpose = purpose;
    this.say = say;
    this.onEnter = onEnter;
    this.onExit = onExit;
    this.active = false;
    this.playing = false;
    this.rate = 1;
    this.anchor = { wall: 0, perf: 0 };
    this.players = []; // { tile, player, lastSeek }
    this.bar = document.getElementById("wall-playback");
    this.clock = document.getElementById("wall-clock");
    this.timer = null;
    this.timeline = null;
    this.bind();
  }

  // ------------------------------------------------------------- the clock

  get master() {
    if (!this.playing) return this.anchor.wall;
    return this.anchor.wall + (performance.now() - this.anchor.perf) * this.rate;
  }

  setMaster(ms) {
    this.anchor = { wall: ms, perf: performance.now() };
  }

  // ------------------------------------------------------------- entering and leaving

  enter(fromMs) {
    const chosen = this.tiles().filter((t) => t.cameraId).slice(0, MAX_SYNCHRONIZED);
    if (!chosen.length) {
      this.say(_("Put cameras on the wall first: the first four play back together."), true);
      return;
    }
    if (!this.purpose()) {
      this.say(_("State the purpose first: playback is a consultation and is recorded with it."), true);
      return;
    }
    this.onEnter(chosen);
    this.active = true;
    document.body.classList.add("wall-in-playback");
    this.bar.hidden = false;
    this.players = chosen.map((tile) => ({ tile, player: this.playerFor(tile), lastSeek: 0 }));
    this.timeline = new Timeline(document.getElementById("wall-timeline"), {
      rows: chosen.map((t) => ({ cameraId: t.cameraId, label: this.cameraName(t.cameraId) })),
      rowHeight: 22,
      onSeek: (ms) => this.jump(ms),
    });
    const start = fromMs ?? Date.now() - 30 * 1000;
    this.timeline.setView(start - 4 * 60 * 1000, start + 60 * 1000);
    this.jump(start);
    this.timer = setInterval(() => this.sync(), 250);
    this.say(
      ngettext(
        "Playback of {count} camera from {moment}: each camera is one consultation in the audit log, under the shift's purpose.",
        "Playback of {count} cameras from {moment}: each camera is one consultation in the audit log, under the shift's purpose.",
        chosen.length,
        { moment: formatLocal(start) },
      ),
    );
  }

  exit() {
    if (!this.active) return;
    clearInterval(this.timer);
    for (const { player, tile } of this.players) {
      player.stop();
      tile.el.classList.remove("playback", "no-footage");
      tile.el.querySelector(".tile-lag").textContent = "";
    }
    this.players = [];
    this.active = false;
    this.playing = false;
    this.bar.hidden = true;
    document.body.classList.remove("wall-in-playback");
    this.onExit();
  }

  playerFor(tile) {
    tile.el.classList.add("playback");
    const badge = tile.el.querySelector(".tile-state");
    const show = (state, title = "") => {
      badge.textContent = BADGES[state];
      for (const old of [...badge.classList]) if (old.startsWith("state-")) badge.classList.remove(old);
      badge.classList.add(`state-${state === "playback" ? "playback" : "refused"}`);
      badge.title = title;
      tile.el.dataset.state = state;
    };
    show("playback");
    const player = new RecordingPlayer(tile.video, {
      cameraId: tile.cameraId,
      csrf: this.csrf,
      purpose: () => {
        const p = this.purpose();
        return p ? { kind: p.kind, justification: p.justification, legal_basis_ref: p.legal_basis_ref || "" } : null;
      },
      events: {
        time: (ms) => {
          if (ms === null) return;
          tile.el.dataset.wallMs = String(Math.round(ms));
          tile.el.querySelector(".tile-lag").textContent = formatLocal(ms, { millis: true }).slice(11);
        },
        state: (text, kind) => {
          if (kind === "error") show("absent", text);
        },
        refused: (error) => {
          show("refused", error.message);
          tile.el.querySelector(".tile-purpose").textContent = error.message;
          this.say(_("{camera}: {reason}", { camera: this.cameraName(tile.cameraId), reason: error.message }), true);
        },
      },
    });
    return player;
  }

  // ------------------------------------------------------------- moving the wall

  jump(ms) {
    this.setMaster(ms);
    this.playing = true;
    for (const entry of this.players) {
      entry.lastSeek = performance.now();
      entry.player.rate = this.rate;
      entry.player.playFrom(ms);
    }
    this.timeline.setPlayhead(ms);
    this.showClock();
  }

  togglePlay() {
    const now = this.master;
    this.playing = !this.playing;
    this.setMaster(now);
    for (const { player } of this.players) (this.playing ? player.play() : player.pause());
    document.getElementById("wall-play").textContent = this.playing ? _("▮▮ Pause") : _("▶ Play");
  }

  setRate(rate) {
    const now = this.master;
    this.rate = rate;
    this.setMaster(now);
    for (const { player } of this.players) player.setRate(rate);
  }

  step(direction) {
    if (this.playing) this.togglePlay();
    const frame = 50; // one frame at 20 fps; each tile steps its own frame and the clock follows the first
    this.setMaster(this.master + direction * frame);
    for (const { player } of this.players) player.step(direction);
    this.showClock();
  }

  showClock() {
    const ms = this.master;
    this.clock.textContent = formatLocal(ms, { millis: true });
    this.clock.dataset.ms = String(Math.round(ms));
    if (this.timeline) {
      this.timeline.setPlayhead(ms);
      if (ms > this.timeline.end - this.timeline.span * 0.05) this.timeline.centre(ms);
    }
  }

  /** Keep every tile on the wall's clock. */
  sync() {
    const master = this.master;
    const now = performance.now();
    for (const entry of this.players) {
      const { player, tile } = entry;
      const clip = player.clip;
      if (!clip) continue;
      const waiting = master < clip.start - 200;
      tile.el.classList.toggle("no-footage", waiting);
      if (waiting) {
        if (!player.video.paused) player.pause();
        tile.el.querySelector(".tile-lag").textContent = _("footage from {time}", {
          time: formatTime(clip.start, { seconds: true }),
        });
        continue;
      }
      if (this.playing && player.video.paused && !player.video.ended) player.play();
      const shown = player.wallTime;
      if (shown === null || !this.playing) continue;
      const drift = shown - master;
      if (Math.abs(drift) > NUDGE_LIMIT_MS) {
        if (now - entry.lastSeek > SEEK_PAUSE_MS) {
          entry.lastSeek = now;
          player.seek(master);
        }
      } else {
        player.video.playbackRate = this.rate * (1 - Math.max(-0.1, Math.min(0.1, drift / 2000)));
      }
    }
    if (this.playing) this.showClock();
  }

  // ------------------------------------------------------------- controls

  bind() {
    document.getElementById("wall-play").addEventListener("click", () => this.togglePlay());
    document.getElementById("wall-frame-back").addEventListener("click", () => this.step(-1));
    document.getElementById("wall-frame-forward").addEventListener("click", () => this.step(1));
    document.getElementById("wall-live").addEventListener("click", () => this.exit());
    for (const button of this.bar.querySelectorAll("[data-speed]")) {
      button.addEventListener("click", () => {
        this.setRate(Number(button.dataset.speed));
        for (const other of this.bar.querySelectorAll("[data-speed]")) {
          other.classList.toggle("current", other === button);
          other.setAttribute("aria-pressed", String(other === button));
        }
      });
    }
    for (const button of this.bar.querySelectorAll("[data-back]")) {
      button.addEventListener("click", () => this.jump(this.master - Number(button.dataset.back) * 1000));
    }
    document.getElementById("wall-jump").addEventListener("submit", (event) => {
      event.preventDefault();
      let moment;
      try {
        moment = readLocal(event.target.elements.at.value);
      } catch (error) {
        this.say(error.message, true);
        return;
      }
      this.timeline.centre(moment.ms);
      this.jump(moment.ms);
    });
  }
}
