// One alarm incident in the browser: its card in the queue, and its cameras' tiles (on the
// queue and on the incident's own page).
//
// A tile plays its camera live at once, under the incident's purpose ("Alarm incident #12:
// burglary at …", administrative), which the gate records with every stream; on request it
// plays the minutes before the alarm (one playback consultation, same purpose) and stops at
// the alarm moment. The live view ends when the incident's grant does: at `live_until` by the
// server's clock, or when the server closes the stream; the tile then says so and opens no
// new stream. Cards and tiles are clones of the page's <template>s (incident_parts.html);
// nothing here writes HTML. An incident is the JSON the incidents API and WebSocket send.

import { api } from "./api.js";
import { _ } from "./i18n.js";
import { LivePlayer } from "./live.js";
import { formatLocal, formatTime, localDate } from "./localtime.js";
import { RecordingPlayer } from "./recordings.js";

export const CATEGORY = { burglary: _("burglary"), holdup: _("hold-up"), panic: _("panic"), motion: _("motion") };
export const STATE = { open: _("open"), acknowledged: _("acknowledged"), closed: _("closed") };
const TILE_STATES = {
  connecting: _("CONNECTING"),
  online: _("LIVE"),
  offline: _("OFFLINE"),
  reconnecting: _("RECONNECTING"),
  starting: _("STARTING"),
  stopped: _("STOPPED"),
  refused: _("REFUSED"),
  ended: _("LIVE VIEW ENDED"),
};

/** A copy of one of the page's <template>s: its first element. */
function clone(template) {
  return template.content.firstElementChild.cloneNode(true);
}

/** An incident's moment in the site's time: the time of day, with the date when not today. */
export function moment(iso) {
  if (!iso) return "";
  const ms = Date.parse(iso);
  return localDate(ms) === localDate(Date.now()) ? formatTime(ms, { seconds: true }) : formatLocal(ms, { offset: false });
}

/** Where the incident is: the premises, or the camera of a motion incident. */
export function placeOf(incident) {
  if (incident.premises) return incident.premises.name;
  return incident.cameras.length ? incident.cameras[0].name : "";
}

/** What the incident's looks are for, as the gate records them with each stream. */
export function purposeOf(incident) {
  const values = { number: incident.number, category: CATEGORY[incident.category] || incident.category, place: placeOf(incident) };
  const justification = values.place
    ? _("Alarm incident #{number}: {category} at {place}", values)
    : _("Alarm incident #{number}: {category}", values);
  return { kind: "administrative", justification, legal_basis_ref: "" };
}

/** "Burglary alarm, code BA, zone 3 (Front door)": the event as the card shows it. */
export function eventOf(incident) {
  const parts = [CATEGORY[incident.category] || incident.category];
  if (incident.code) parts.push(_("code {code}", { code: incident.code }));
  if (incident.zone) {
    const zone = _("zone {zone}", { zone: incident.zone });
    parts.push(incident.zone_name ? `${zone} (${incident.zone_name})` : zone);
  }
  if (incident.text) parts.push(incident.text);
  return parts.join(" · ");
}

/** Put the incident's live cameras on the video wall: noted in its timeline, then the wall
 * opens with them, each watched for the incident's purpose. */
export async function openOnWall(incident, csrf) {
  const answer = await api("/api/incidents/" + encodeURIComponent(incident.id) + "/wall", { method: "POST", csrf });
  if (!answer.camera_ids.length) throw new Error(_("Incident #{number} has no live camera left to put on the wall.", { number: incident.number }));
  location.href = "/wall?" + new URLSearchParams({ incident: incident.id });
}

// ---------------------------------------------------------------- one camera's tile

export class CameraTile {
  /** camera: one of the incident's cameras; options: { csrf, say(text, isError) }. */
  constructor(camera, incident, options) {
    this.camera = camera;
    this.incident = incident;
    this.options = options;
    this.el = clone(document.getElementById("incident-camera"));
    this.el.dataset.camera = camera.id;
    this.live = this.el.querySelector(".incident-live");
    this.clipVideo = this.el.querySelector(".incident-prealarm");
    this.badge = this.el.querySelector(".tile-state");
    this.note = this.el.querySelector(".incident-camera-note");
    this.clock = this.el.querySelector(".incident-clock");
    this.button = this.el.querySelector(".incident-prealarm-button");
    this.el.querySelector(".incident-camera-name").textContent = camera.name;
    this.el.querySelector(".incident-camera-name").title = camera.owner;
    this.player = null;
    this.clip = null;
    this.ended = false;
    this.button.addEventListener("click", () => (this.el.dataset.view === "prealarm" ? this.showLive() : this.showPrealarm()));
    this.watchFirstFrame();
    this.update(camera, incident);
    if (!this.ended) this.connect();
  }

  /** The server's clock, as far as the stream's hello told it (ours until then). */
  serverNow() {
    return Date.now() + (this.player ? this.player.clockOffset : 0);
  }

  connect() {
    this.show("connecting");
    this.player = new LivePlayer(this.live, this.camera.id, {
      state: (info) => (info.state === "refused" ? this.refused(info.reason) : this.show(info.state, info.reason)),
      error: (error) => this.refused(error.detail),
    }, purposeOf(this.incident));
  }

  watchFirstFrame() {
    const seen = () => {
      if (!this.el.dataset.firstFrameMs) this.el.dataset.firstFrameMs = String(Date.now());
    };
    if (this.live.requestVideoFrameCallback) this.live.requestVideoFrameCallback(seen);
    else this.live.addEventListener("timeupdate", () => this.live.currentTime > 0 && seen(), { once: true });
  }

  show(state, reason = "") {
    this.el.dataset.state = state;
    this.badge.textContent = TILE_STATES[state] || state.toUpperCase();
    for (const old of [...this.badge.classList]) if (old.startsWith("state-")) this.badge.classList.remove(old);
    this.badge.classList.add(`state-${state === "ended" ? "stopped" : state}`);
    this.badge.title = reason;
    this.el.setAttribute("aria-label", _("{camera}: {state}", { camera: this.camera.name, state: this.badge.textContent }));
  }

  /** The server closed the stream for good: the grant's end, or a refusal. */
  refused(reason) {
    const due = this.camera.live_until && this.serverNow() >= Date.parse(this.camera.live_until) - 5000;
    if (due || this.camera.ended) this.end(reason);
    else {
      this.show("refused", reason);
      this.note.textContent = reason;
    }
  }

  /** The live view is over: stop the stream (if it still runs) and say when it ended. */
  end(reason = "") {
    if (this.ended) return;
    this.ended = true;
    if (this.player) this.player.stop();
    this.player = null;
    this.live.removeAttribute("src");
    this.live.load();
    this.show("ended", reason);
    this.note.textContent = this.camera.live_until
      ? _("The live view ended at {time}.", { time: moment(this.camera.live_until) })
      : _("The live view ended.");
    if (this.el.dataset.view !== "prealarm") this.live.hidden = false;
  }

  /** The incident changed (extended, ended, closed): follow it. */
  update(camera, incident) {
    this.camera = camera;
    this.incident = incident;
    this.button.hidden = !(camera.playback_from && incident.alarm_at);
    if (this.ended) return;
    if (camera.ended || incident.state === "closed") this.end();
    else if (camera.live_until) this.note.textContent = _("live until {time}", { time: moment(camera.live_until) });
    else this.note.textContent = camera.owner;
  }

  /** Called every second: end the live view when its grant does. */
  tick() {
    if (!this.ended && this.camera.live_until && this.serverNow() >= Date.parse(this.camera.live_until)) this.end();
  }

  // ------------------------------------------------------------- before the alarm

  showPrealarm() {
    // The grant's footage starts at a microsecond; milliseconds cut it short: ask from the next one.
    const from = Date.parse(this.camera.playback_from) + 1;
    const alarm = Date.parse(this.incident.alarm_at);
    this.el.dataset.view = "prealarm";
    this.live.hidden = true;
    this.clipVideo.hidden = false;
    this.clock.hidden = false;
    this.button.textContent = this.ended ? _("Hide the recording") : _("Back to live");
    if (!this.clip) {
      this.clip = new RecordingPlayer(this.clipVideo, {
        cameraId: this.camera.id,
        csrf: this.options.csrf,
        purpose: () => purposeOf(this.incident),
        events: {
          time: (ms) => this.clipTime(ms, alarm),
          state: (text, kind) => {
            if (kind === "error") this.clock.textContent = text;
          },
          refused: (error) => {
            this.clock.textContent = error.message;
            this.options.say(_("{camera}: {reason}", { camera: this.camera.name, reason: error.message }), true);
          },
        },
      });
    }
    this.clip.playFrom(from);
  }

  clipTime(ms, alarm) {
    if (ms === null) return;
    const seconds = Math.round((alarm - ms) / 1000);
    if (seconds <= 0) {
      this.clip.pause();
      this.clock.textContent = _("Alarm moment ({time})", { time: formatTime(alarm, { seconds: true }) });
      return;
    }
    this.clock.textContent = _("{minutes}:{seconds} before the alarm", {
      minutes: Math.floor(seconds / 60),
      seconds: String(seconds % 60).padStart(2, "0"),
    });
  }

  showLive() {
    if (this.clip) this.clip.pause();
    delete this.el.dataset.view;
    this.clipVideo.hidden = true;
    this.clock.hidden = true;
    this.live.hidden = false;
    this.button.textContent = _("Before the alarm");
  }

  stop() {
    if (this.player) this.player.stop();
    if (this.clip) this.clip.stop();
    this.player = null;
    this.clip = null;
  }
}

// ---------------------------------------------------------------- an incident's tiles

export class IncidentTiles {
  /** The tiles of one incident's cameras in `container`, following the incident's changes. */
  constructor(container, incident, options) {
    this.container = container;
    this.options = options;
    this.tiles = new Map();
    this.update(incident);
  }

  update(incident) {
    this.incident = incident;
    for (const camera of incident.cameras) {
      const tile = this.tiles.get(camera.id);
      if (tile) tile.update(camera, incident);
      else {
        const made = new CameraTile(camera, incident, this.options);
        this.tiles.set(camera.id, made);
        this.container.appendChild(made.el);
      }
    }
    if (!incident.cameras.length && !this.container.childElementCount) {
      const none = document.createElement("p");
      none.classList.add("muted", "small");
      none.textContent = _("No camera is forwarded for this incident.");
      this.container.appendChild(none);
    }
  }

  tick() {
    for (const tile of this.tiles.values()) tile.tick();
  }

  stop() {
    for (const tile of this.tiles.values()) tile.stop();
  }
}

// ---------------------------------------------------------------- the queue's card

export class IncidentCard {
  /** options: { csrf, mayHandle, mayWall, say(text, isError) }. */
  constructor(incident, options) {
    this.options = options;
    this.el = clone(document.getElementById("incident-card"));
    this.el.dataset.incident = incident.id;
    this.el.dataset.number = String(incident.number);
    const link = this.el.querySelector(".incident-link");
    link.href = "/incidents/" + incident.number;
    this.el.querySelector("[data-action=open]").href = link.href;
    link.setAttribute("id", `incident-${incident.number}-title`);
    this.el.setAttribute("aria-labelledby", link.id);
    const acknowledge = this.el.querySelector("[data-action=acknowledge]");
    acknowledge.addEventListener("click", () => this.acknowledge());
    acknowledge.hidden = !options.mayHandle;
    const wall = this.el.querySelector("[data-action=wall]");
    wall.hidden = !options.mayWall;
    wall.addEventListener("click", () => openOnWall(this.incident, options.csrf).catch((error) => options.say(error.message, true)));
    this.fill(incident);
    this.tiles = new IncidentTiles(this.el.querySelector(".incident-tiles"), incident, options);
  }

  field(name, text) {
    this.el.querySelector(`[data-field=${name}]`).textContent = text;
    this.el.querySelector(`[data-row=${name}]`).hidden = !text;
  }

  fill(incident) {
    this.incident = incident;
    const category = CATEGORY[incident.category] || incident.category;
    this.el.dataset.state = incident.state;
    this.el.classList.toggle("open", incident.state === "open");
    this.el.classList.add(`category-${incident.category}`);
    this.el.querySelector(".incident-link").textContent = _("#{number} {category}", { number: incident.number, category });
    const state = this.el.querySelector(".incident-state");
    state.textContent = STATE[incident.state] || incident.state;
    state.classList.remove(...Object.keys(STATE).map((name) => `state-${name}`));
    state.classList.add(`state-${incident.state}`);
    const flags = [];
    if (incident.restored_at) flags.push(_("restored"));
    if (incident.cancelled_at) flags.push(_("cancelled"));
    if (incident.acknowledged_by) flags.push(_("acknowledged by {person}", { person: incident.acknowledged_by }));
    this.el.querySelector(".incident-flags").textContent = flags.join(" · ");
    this.el.querySelector(".incident-when").textContent = moment(incident.alarm_at);
    const premises = incident.premises;
    this.field("event", eventOf(incident));
    this.field("premises", premises ? `${premises.name} (${premises.centre})` : placeOf(incident));
    this.field("address", premises ? [premises.address, premises.municipality].filter(Boolean).join(", ") : "");
    this.field("subscriber", premises ? [premises.subscriber, premises.contact].filter(Boolean).join(" · ") : "");
    this.field("alarm", incident.alarm_at ? formatLocal(Date.parse(incident.alarm_at), { offset: false }) : "");
    this.field("live", this.liveText(incident));
    this.el.querySelector("[data-action=acknowledge]").disabled = incident.state !== "open";
    const live = incident.cameras.some((camera) => !camera.ended && camera.live_until);
    this.el.querySelector("[data-action=wall]").disabled = !live || incident.state === "closed";
  }

  liveText(incident) {
    if (!incident.cameras.length) return _("no camera was forwarded");
    if (!incident.live_until) return _("your own camera");
    if (incident.cameras.every((camera) => camera.ended)) return _("ended at {time}", { time: moment(incident.live_until) });
    return _("until {time}", { time: moment(incident.live_until) });
  }

  update(incident) {
    this.fill(incident);
    this.tiles.update(incident);
  }

  async acknowledge() {
    try {
      this.update(await api("/api/incidents/" + encodeURIComponent(this.incident.id) + "/acknowledge", { method: "POST", csrf: this.options.csrf }));
    } catch (error) {
      this.options.say(error.message, true);
    }
  }

  tick() {
    this.tiles.tick();
  }

  stop() {
    this.tiles.stop();
  }
}
