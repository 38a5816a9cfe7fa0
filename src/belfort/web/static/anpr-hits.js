// Hits panel: hotlist hits of the organisation as they happen, over one WebSocket.
//
// Each hit shows the plate crop, the plate, the category and priority, where and when,
// the hotlist and its note, and a warning when it matched only through OCR-confusable
// characters. Repeated hits of one plate on one entry are one card (a series) that shows
// how many there were and the last read; a new one updates that card. Operators accept or
// reject it (a rejection needs a reason), which settles the whole series; one click puts
// the camera on the video wall. Used on the ANPR page and, compact, on the wall.

import { api } from "./api.js";

const CATEGORY = {
  stolen: "Stolen",
  wanted: "Wanted",
  uninsured: "Uninsured",
  no_valid_inspection: "No valid inspection",
  other: "Other",
};

function pad(n) {
  return String(n).padStart(2, "0");
}

function when(iso) {
  const d = new Date(iso);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
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
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/anpr/hits/ws`);
    ws.onmessage = (event) => this.onMessage(JSON.parse(event.data));
    ws.onclose = (event) => {
      if (this.closed) return;
      if (event.code === 4401 || event.code === 4403) {
        this.say(event.reason || "You may not see hotlist hits.", true);
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
      p.className = "hits-empty muted small";
      p.textContent = "No open hits. New ones appear here the moment a hotlisted plate is read.";
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
        existing.querySelector(".hit-actions").textContent = `${hit.state} by ${hit.handled_by}`;
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
    const card = document.createElement("article");
    card.className = `hit priority-${hit.priority} category-${hit.category}${fresh ? " fresh" : ""}`;
    card.dataset.hit = hit.id;
    card.dataset.testid = "hit";
    card.setAttribute("data-testid", "hit");
    card.innerHTML = `
      <img class="hit-crop" alt="plate crop">
      <div class="hit-body">
        <div class="hit-head"><span class="hit-plate"></span><span class="hit-category"></span><span class="hit-priority"></span></div>
        <div class="hit-where small"></div>
        <div class="hit-series small" data-testid="hit-series" hidden></div>
        <div class="hit-list small muted"></div>
        <div class="hit-warning small" hidden></div>
        <div class="hit-actions"></div>
      </div>`;
    const crop = card.querySelector(".hit-crop");
    if (hit.crop_url) crop.src = hit.crop_url;
    else crop.replaceWith(Object.assign(document.createElement("div"), { className: "hit-crop none", textContent: "no picture" }));
    if (hit.overview_url) {
      crop.title = "Open the whole picture";
      crop.addEventListener("click", () => window.open(hit.overview_url, "_blank", "noopener"));
    }
    card.querySelector(".hit-plate").textContent = hit.display;
    card.querySelector(".hit-category").textContent = CATEGORY[hit.category] || hit.category;
    card.querySelector(".hit-priority").textContent = `P${hit.priority}`;
    card.querySelector(".hit-where").textContent = `${when(hit.ts)} · ${hit.camera || hit.place}`;
    card.querySelector(".hit-list").textContent = `${hit.hotlist}: ${hit.pattern}${hit.note ? ` — ${hit.note}` : ""}`;
    this.showSeries(card, hit);
    if (hit.mode === "equivalent") {
      const warning = card.querySelector(".hit-warning");
      warning.hidden = false;
      warning.textContent = `Read as ${hit.plate}, listed as ${hit.pattern}: matched only through look-alike characters. Check the plate.`;
    } else if (hit.mode === "wildcard") {
      const warning = card.querySelector(".hit-warning");
      warning.hidden = false;
      warning.textContent = `Matched a partial entry (${hit.pattern}).`;
    }
    const actions = card.querySelector(".hit-actions");
    if (hit.camera_id && this.options.onWall) {
      actions.appendChild(this.button("On wall", "primary", () => this.options.onWall(hit.camera_id), "on-wall"));
    }
    if (this.options.mayHandle) {
      actions.appendChild(this.button("Accept", "", () => this.decide(hit, true, card), "accept"));
      actions.appendChild(this.button("Reject…", "", () => this.decide(hit, false, card), "reject"));
    }
    this.cards.set(hit.id, card);
    this.container.prepend(card);
    this.renderEmpty();
    if (fresh) setTimeout(() => card.classList.remove("fresh"), 3000);
  }

  /** "×N, last HH:MM:SS" on the card of a series (a plate hit again on the same entry). */
  showSeries(card, hit) {
    const series = card.querySelector(".hit-series");
    if (!hit.repeats) return;
    series.hidden = false;
    series.textContent = `×${hit.repeats + 1}, last ${when(hit.last_ts || hit.ts)}`;
  }

  flash(card) {
    card.classList.add("fresh");
    this.container.prepend(card);
    setTimeout(() => card.classList.remove("fresh"), 3000);
  }

  button(label, cls, action, testid) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    if (cls) button.className = cls;
    button.dataset.testid = testid;
    button.setAttribute("data-testid", testid);
    button.addEventListener("click", action);
    return button;
  }

  async decide(hit, accepted, card) {
    let reason = "";
    if (!accepted) {
      reason = window.prompt(`Why is the hit on ${hit.display} rejected? (a misread, another vehicle, …)`) || "";
      if (!reason.trim()) return;
    }
    let answer;
    try {
      answer = await api(`/api/anpr/hits/${hit.id}/${accepted ? "accept" : "reject"}`, {
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
