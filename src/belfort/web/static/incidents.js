// The incident queue (/incidents) and one incident's page (/incidents/{number}), over the
// organisation's incident WebSocket (/api/incidents/ws: a hello with the open incidents, then
// each incident as it opens or changes).
//
// A new incident comes on top at once with its cameras playing live, a tone (WebAudio: no
// sound file; browsers hold sound back until the page was clicked once, and the page says so),
// a highlight and an announcement for screen readers. A closed one leaves the queue after a few
// seconds. On an incident's page the tiles follow the incident (extended, ended, closed).

import { _ } from "./i18n.js";
import { CATEGORY, IncidentCard, IncidentTiles, openOnWall, placeOf } from "./incident.js";

const FINAL_CODES = new Set([4401, 4403]);
const CLOSED_STAYS_MS = 4000;
const FRESH_MS = 10000;

/** Follow the organisation's incidents: `hello(incidents)`, then `changed(change, incident)`. */
function follow({ hello, changed, say }) {
  let retry = 1000;
  const connect = () => {
    const address = new URL("/api/incidents/ws", location.href);
    address.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(address);
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "hello") {
        retry = 1000;
        say("");
        hello(message.incidents);
      } else if (message.type === "incident") {
        changed(message.change, message.incident);
      } else if (message.type === "error") {
        say(message.detail, true);
      }
    };
    ws.onclose = (event) => {
      if (FINAL_CODES.has(event.code)) return say(event.reason || _("You may not see the incident queue."), true);
      say(_("The connection to the incident queue was lost: reconnecting…"), true);
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  };
  connect();
}

/** A short alarm tone from an oscillator: three beeps, high-low-high. */
class Chime {
  constructor(button) {
    this.button = button;
    this.on = true;
    this.context = null;
    button.addEventListener("click", () => {
      this.on = !this.on;
      this.unlock();
      this.render();
    });
    const unlock = () => this.unlock();
    document.addEventListener("pointerdown", unlock, { once: true });
    document.addEventListener("keydown", unlock, { once: true });
    this.render();
  }

  unlock() {
    const Context = window.AudioContext;
    if (!Context) return;
    if (!this.context) this.context = new Context();
    if (this.context.state === "suspended") this.context.resume().catch(() => {});
  }

  render() {
    this.button.setAttribute("aria-pressed", String(this.on));
    this.button.textContent = this.on ? _("Alarm tone: on") : _("Alarm tone: off");
  }

  /** Ring; false when the browser holds the sound back (the page was not clicked yet). */
  ring() {
    if (!this.on) return true;
    this.unlock();
    if (!this.context || this.context.state !== "running") return false;
    const start = this.context.currentTime;
    for (let i = 0; i < 3; i++) {
      const at = start + i * 0.25;
      const oscillator = this.context.createOscillator();
      const gain = this.context.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = i === 1 ? 660 : 880;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.2);
      oscillator.connect(gain).connect(this.context.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.22);
    }
    return true;
  }
}

// ---------------------------------------------------------------- the queue

class Queue {
  constructor(page) {
    this.page = page;
    this.list = document.getElementById("incidents");
    this.message = document.getElementById("incidents-message");
    this.announcer = document.getElementById("incidents-announce");
    this.count = document.getElementById("incident-count");
    this.chime = new Chime(document.getElementById("sound-toggle"));
    this.title = document.title;
    this.cards = new Map();
    this.greeted = false;
    this.options = {
      csrf: page.dataset.csrf,
      mayHandle: page.dataset.mayHandle === "1",
      mayWall: page.dataset.mayWall === "1",
      say: (text, isError) => this.say(text, isError),
    };
    follow({ hello: (incidents) => this.hello(incidents), changed: (c, i) => this.changed(c, i), say: this.options.say });
    setInterval(() => this.cards.forEach((card) => card.tick()), 1000);
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.className = isError ? "error" : "muted";
  }

  /** The queue as the server has it; after a reconnection, incidents not seen before are new. */
  hello(incidents) {
    const wanted = new Set(incidents.map((incident) => incident.id));
    for (const [id, card] of this.cards) {
      if (!wanted.has(id)) this.drop(id, card);
    }
    for (const incident of [...incidents].reverse()) {
      const card = this.cards.get(incident.id);
      if (card) card.update(incident);
      else this.add(incident, this.greeted);
    }
    this.greeted = true;
    this.page.dataset.connected = "true";
    this.render();
  }

  changed(change, incident) {
    const card = this.cards.get(incident.id);
    if (incident.state === "closed") {
      if (card) {
        card.update(incident);
        setTimeout(() => this.drop(incident.id, card), CLOSED_STAYS_MS);
      }
    } else if (card) {
      card.update(incident);
    } else {
      this.add(incident, change === "opened");
    }
    this.render();
  }

  add(incident, fresh) {
    const card = new IncidentCard(incident, this.options);
    this.cards.set(incident.id, card);
    this.list.prepend(card.el);
    if (!fresh) return;
    card.el.classList.add("fresh");
    setTimeout(() => card.el.classList.remove("fresh"), FRESH_MS);
    this.announce(incident);
    const rang = this.chime.ring();
    this.page.dataset.tones = String(Number(this.page.dataset.tones || 0) + 1);
    if (!rang) this.say(_("The browser holds the alarm tone back until you click on this page once."), true);
  }

  announce(incident) {
    const premises = incident.premises;
    const values = {
      number: incident.number,
      category: CATEGORY[incident.category] || incident.category,
      place: placeOf(incident),
      address: premises ? [premises.address, premises.municipality].filter(Boolean).join(", ") : "",
    };
    this.announcer.textContent = values.address
      ? _("New incident #{number}: {category} at {place}, {address}.", values)
      : _("New incident #{number}: {category} at {place}.", values);
  }

  drop(id, card) {
    if (this.cards.get(id) !== card) return;
    card.stop();
    card.el.remove();
    this.cards.delete(id);
    this.render();
  }

  render() {
    const open = [...this.cards.values()].filter((card) => card.incident.state === "open").length;
    this.count.textContent = this.cards.size ? _("({count} to handle)", { count: this.cards.size }) : "";
    document.title = open ? `(${open}) ${this.title}` : this.title;
    let empty = this.list.querySelector(".incidents-empty");
    if (this.cards.size && empty) empty.remove();
    if (!this.cards.size && !empty) {
      empty = document.createElement("p");
      empty.classList.add("incidents-empty", "muted");
      empty.textContent = _("No open incident. A new one appears here, with a tone, the moment its alarm arrives.");
      this.list.appendChild(empty);
    }
  }
}

// ---------------------------------------------------------------- one incident's page

function incidentPage(page) {
  const message = document.getElementById("incident-message");
  const say = (text, isError = false) => {
    message.textContent = text;
    message.className = isError ? "error" : "muted";
  };
  let incident = JSON.parse(document.getElementById("incident-data").textContent);
  const options = { csrf: page.dataset.csrf, say };
  const tiles = new IncidentTiles(document.getElementById("incident-tiles"), incident, options);
  setInterval(() => tiles.tick(), 1000);
  const wall = document.getElementById("incident-wall");
  if (wall) wall.addEventListener("click", () => openOnWall(incident, options.csrf).catch((error) => say(error.message, true)));
  const mine = (other) => other.id === page.dataset.incident;
  follow({
    hello: (incidents) => {
      for (const current of incidents.filter(mine)) {
        incident = current;
        tiles.update(current);
      }
    },
    changed: (_change, changed) => {
      if (!mine(changed)) return;
      incident = changed;
      tiles.update(changed);
      say(_("This incident changed: reload the page to see its timeline as it is now."));
    },
    say,
  });
}

const queuePage = document.getElementById("incidents-page");
if (queuePage) new Queue(queuePage);
const detailPage = document.getElementById("incident-page");
if (detailPage) incidentPage(detailPage);
