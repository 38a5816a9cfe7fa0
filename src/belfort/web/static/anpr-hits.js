// Hits panel: hotlist hits of the organisation as they happen, over one WebSocket.
//
// Each hit shows the plate crop, the plate, the category and priority, where and when,
// the hotlist and its note, and a warning when it matched only through OCR-confusable
// characters. Repeated hits of one plate on one entry are one card (a series) that shows
// how many there were and the last read; a new one updates that card. Operators accept or
// reject it (a rejection needs a reason), which settles the whole series; one click puts
// the camera on the video wall. Used on the ANPR page and, compact, on the wall.
// A card is a clone of the page's <template id="hit-card"> (templates/anpr_hit_card.html);
// times are the site's local time.

import { api } from "./api.js";
import { _, language, timeZone } from "./i18n.js";

const CATEGORY = {
  stolen: _("Stolen"),
  wanted: _("Wanted"),
  uninsured: _("Uninsured"),
  no_valid_inspection: _("No valid inspection"),
  other: _("Other"),
};

/** The Belgian form of the page's language for dates (25/10, not 10/25). */
const locale = `${language}-${language === "en" ? "GB" : "BE"}`;
const clock = new Intl.DateTimeFormat(locale, { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
const dated = new Intl.DateTimeFormat(locale, {
  timeZone,
  day: "2-digit",
  month: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
const day = new Intl.DateTimeFormat(locale, { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });

/** A hit's time in the site's zone: the time of day, with the date when it is not today. */
export function when(iso, now = new Date()) {
  const moment = new Date(iso);
  return day.format(moment) === day.format(now) ? clock.format(moment) : dated.format(moment);
}

export class HitsPanel {
  /** container: where the cards go; options: { csrf, compact, onWall(cameraId), onCount(n), say(text, isError) }. */
  constructor(container, options) {
    this.container = container;
    this.options = options;
    this.cards = new Map();
    this.retry = 1000;
    this.closed = false;
    this.connect();
  }

  connect() {
    const address = new URL("/api/anpr/hits/ws", location.href);
    address.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(address);
    ws.onmessage = (event) => this.onMessage(JSON.parse(event.data));
    ws.onclose = (event) => {
      if (this.closed) return;
      if (event.code === 4401 || event.code === 4403) {
        this.say(event.reason || _("You may not see hotlist hits."), true);
        return;
      }
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 10000);
    };
    this.ws = ws;
  }

  say(text, isError = false) {
    if (this.options.say) this.options.say(text, isError);
  }

  onMessage(message) {
    if (message.type === "hello") {
      this.retry = 1000;
      this.container.replaceChildren();
      this.cards.clear();
      for (const hit of message.recent) this.show(hit, false);
      this.renderEmpty();
    } else if (message.type === "hit") {
      this.show(message.hit, true);
    } else if (message.type === "error") {
      this.say(message.detail, true);
    }
  }

  renderEmpty() {
    const empty = this.container.querySelector(".hits-empty");
    if (this.cards.size === 0 && !empty) {
      const p = document.createElement("p");
      p.classList.add("hits-empty", "muted", "small");
      p.textContent = _("No open hits. New ones appear here the moment a hotlisted plate is read.");
      this.container.appendChild(p);
    } else if (this.cards.size && empty) {
      empty.remove();
    }
    if (this.options.onCount) this.options.onCount(this.cards.size);
  }

  show(hit, fresh) {
    const existing = this.cards.get(hit.id);
    if (hit.state !== "new") {
      if (existing) {
        existing.classList.add("handled");
        existing.querySelector(".hit-actions").textContent =
          hit.state === "accepted" ? _("accepted by {person}", { person: hit.handled_by }) : _("rejected by {person}", { person: hit.handled_by });
        setTimeout(() => {
          existing.remove();
          this.cards.delete(hit.id);
          this.renderEmpty();
        }, 4000);
      }
      return;
    }
    if (existing) {
      this.showSeries(existing, hit);
      if (fresh) this.flash(existing);
      return;
    }
    const card = document.getElementById("hit-card").content.firstElementChild.cloneNode(true);
    card.classList.add(`priority-${hit.priority}`, `category-${hit.category}`);
    if (fresh) card.classList.add("fresh");
    card.dataset.hit = hit.id;
    const crop = card.querySelector(".hit-crop");
    if (hit.crop_url) crop.src = hit.crop_url;
    else crop.replaceWith(document.getElementById("hit-no-picture").content.firstElementChild.cloneNode(true));
    if (hit.overview_url) {
      crop.title = _("Open the whole picture");
      crop.addEventListener("click", () => window.open(hit.overview_url, "_blank", "noopener"));
    }
    card.querySelector(".hit-plate").textContent = hit.display;
    card.querySelector(".hit-category").textContent = CATEGORY[hit.category] || hit.category;
    card.querySelector(".hit-priority").textContent = _("P{priority}", { priority: hit.priority });
    card.querySelector(".hit-where").textContent = `${when(hit.ts)} · ${hit.camera || hit.place}`;
    card.querySelector(".hit-list").textContent = [`${hit.hotlist}: ${hit.pattern}`, hit.note].filter(Boolean).join(" — ");
    this.showSeries(card, hit);
    if (hit.mode === "equivalent") {
      const warning = card.querySelector(".hit-warning");
      warning.hidden = false;
      warning.textContent = _("Read as {plate}, listed as {pattern}: matched only through look-alike characters. Check the plate.", {
        plate: hit.plate,
        pattern: hit.pattern,
      });
    } else if (hit.mode === "wildcard") {
      const warning = card.querySelector(".hit-warning");
      warning.hidden = false;
      warning.textContent = _("Matched a partial entry ({pattern}).", { pattern: hit.pattern });
    }
    const actions = card.querySelector(".hit-actions");
    if (hit.camera_id && this.options.onWall) {
      const onWall = this.button(_("On wall"), () => this.options.onWall(hit.camera_id));
      onWall.classList.add("primary");
      onWall.setAttribute("data-testid", "on-wall");
      actions.appendChild(onWall);
    }
    if (this.options.mayHandle) {
      const accept = this.button(_("Accept"), () => this.decide(hit, true, card));
      accept.setAttribute("data-testid", "accept");
      const reject = this.button(_("Reject…"), () => this.decide(hit, false, card));
      reject.setAttribute("data-testid", "reject");
      actions.append(accept, reject);
    }
    this.cards.set(hit.id, card);
    this.container.prepend(card);
    this.renderEmpty();
    if (fresh) setTimeout(() => card.classList.remove("fresh"), 3000);
  }

  /** "×N, last HH:MM:SS" on the card of a series (a plate hit again on the same entry), local time. */
  showSeries(card, hit) {
    const series = card.querySelector(".hit-series");
    if (!hit.repeats) return;
    series.hidden = false;
    series.textContent = _("×{count}, last {time}", { count: hit.repeats + 1, time: when(hit.last_ts || hit.ts) });
  }

  flash(card) {
    card.classList.add("fresh");
    this.container.prepend(card);
    setTimeout(() => card.classList.remove("fresh"), 3000);
  }

  button(label, action) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.addEventListener("click", action);
    return button;
  }

  async decide(hit, accepted, card) {
    let reason = "";
    if (!accepted) {
      reason = window.prompt(_("Why is the hit on {plate} rejected? (a misread, another vehicle, …)", { plate: hit.display })) || "";
      if (!reason.trim()) return;
    }
    let answer;
    try {
      const decision = accepted ? "accept" : "reject";
      answer = await api("/api/anpr/hits/" + encodeURIComponent(hit.id) + "/" + decision, {
        method: "POST",
        csrf: this.options.csrf,
        body: { reason },
      });
    } catch (error) {
      this.say(error.message, true);
      return;
    }
    this.show(answer, false);
    card.classList.add("handled");
  }

  stop() {
    this.closed = true;
    if (this.ws) this.ws.close();
  }
}
