// Timeline: where cameras have footage, drawn on a canvas, zoomable from two years to
// ten seconds.
//
// One row per camera. The server sends spans at the resolution of the view (one pixel),
// with gaps and their reasons, evidence holds, media events, the 30-day line of police
// cameras and the retention limit, so a year of recordings costs one small answer. Drag
// to pan, wheel (or +/-) to zoom around the pointer, click to play from a moment, drag
// the playhead to scrub, Shift+drag to select a range. All times are UTC, in
// milliseconds since the epoch.

import { api } from "./api.js";

const MIN_SPAN = 10 * 1000;
const MAX_SPAN = 731 * 86400 * 1000;
const AXIS = 20;
const ROW = 28;
const LABEL = 0;
const GRIP = 6; // pixels either side of the playhead that pick it up
const COLOURS = {
  background: "#0b0f14",
  row: "#101822",
  recorded: "#2f9e6e",
  gap: "#ff5d5d",
  hold: "#f2b134",
  event: "#5aa9ff",
  erased: "rgba(255, 255, 255, 0.04)",
  judicial: "rgba(242, 177, 52, 0.10)",
  axis: "#8b9bb0",
  grid: "#243245",
  now: "#c62828",
  playhead: "#ffffff",
  selection: "rgba(90, 169, 255, 0.28)",
  hover: "rgba(255, 255, 255, 0.5)",
};
const STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 2 * 86400, 7 * 86400,
  14 * 86400,
].map((s) => s * 1000);
const MONTH = 30 * 86400 * 1000;

const pad = (n, width = 2) => String(n).padStart(width, "0");

export function formatUtc(ms, withMillis = false) {
  const d = new Date(ms);
  const text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
  return withMillis ? `${text}.${pad(d.getUTCMilliseconds(), 3)}` : text;
}

export function parseUtc(text) {
  const cleaned = text.trim().replace(" ", "T");
  if (!cleaned) return null;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(cleaned) ? cleaned : `${cleaned}Z`);
  return Number.isNaN(ms) ? null : ms;
}

export function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60} s` : ""}`.trim();
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

function tickLabel(ms, step) {
  const d = new Date(ms);
  if (step >= MONTH) return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
  if (step >= 86400000) return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (step >= 60000) {
    const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` : time;
  }
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function monthTicks(start, end, everyMonths) {
  const d = new Date(start);
  let year = d.getUTCFullYear();
  let month = d.getUTCMonth() - (d.getUTCMonth() % everyMonths);
  const ticks = [];
  for (;;) {
    const ms = Date.UTC(year, month, 1);
    if (ms > end) break;
    if (ms >= start) ticks.push(ms);
    month += everyMonths;
    if (month >= 12) {
      year += Math.floor(month / 12);
      month %= 12;
    }
  }
  return ticks;
}

export class Timeline {
  /**
   * onSeek(ms, row): a click on a moment; onScrub(ms): the playhead dragged to a moment
   * (often, while dragging); onScrubEnd(ms): the playhead let go (default: onSeek).
   */
  constructor(canvas, { rows, onSeek, onSelect, onView, onScrub, onScrubEnd, rowHeight = ROW } = {}) {
    this.canvas = canvas;
    this.rowHeight = rowHeight;
    this.ctx = canvas.getContext("2d");
    this.rows = rows.map((row) => ({ ...row, data: null, loading: false }));
    this.onSeek = onSeek || (() => {});
    this.onSelect = onSelect || (() => {});
    this.onView = onView || (() => {});
    this.onScrub = onScrub || (() => {});
    this.onScrubEnd = onScrubEnd || ((ms) => this.onSeek(ms, 0));
    const now = Date.now();
    this.start = now - 3600 * 1000;
    this.end = now + 5 * 60 * 1000;
    this.playhead = null;
    this.selection = null;
    this.hover = null;
    this.drag = null;
    this.fetchTimer = null;
    this.controllers = new Map();
    this.canvas.dataset.start = String(this.start);
    this.canvas.dataset.end = String(this.end);
    this.bind();
    this.resize();
    new ResizeObserver(() => this.resize()).observe(canvas);
  }

  // ------------------------------------------------------------- view

  get span() {
    return this.end - this.start;
  }

  setView(start, end, { fetch = true } = {}) {
    let span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, end - start));
    const middle = (start + end) / 2;
    this.start = Math.round(middle - span / 2);
    this.end = this.start + span;
    this.canvas.dataset.start = String(this.start); // the view, for assistive tools and tests
    this.canvas.dataset.end = String(this.end);
    this.draw();
    this.onView(this.start, this.end);
    if (fetch) this.scheduleFetch();
  }

  zoom(factor, anchorMs = (this.start + this.end) / 2) {
    const span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, this.span * factor));
    const ratio = (anchorMs - this.start) / this.span;
    const start = anchorMs - ratio * span;
    this.setView(start, start + span);
  }

  pan(fraction) {
    const delta = this.span * fraction;
    this.setView(this.start + delta, this.end + delta);
  }

  centre(ms, span = this.span) {
    this.setView(ms - span / 2, ms + span / 2);
  }

  setPlayhead(ms) {
    if (this.drag && this.drag.scrub) return; // the person holds the playhead
    this.playhead = ms;
    this.draw();
  }

  setSelection(range) {
    this.selection = range;
    this.draw();
    this.onSelect(range);
  }

  // ------------------------------------------------------------- data

  scheduleFetch() {
    clearTimeout(this.fetchTimer);
    this.fetchTimer = setTimeout(() => this.fetchAll(), 120);
  }

  refresh() {
    this.fetchAll();
  }

  fetchAll() {
    for (const row of this.rows) this.fetchRow(row);
  }

  async fetchRow(row) {
    const previous = this.controllers.get(row.cameraId);
    if (previous) previous.abort();
    const controller = new AbortController();
    this.controllers.set(row.cameraId, controller);
    const margin = this.span * 0.5;
    const start = Math.round(this.start - margin);
    const end = Math.round(this.end + margin);
    const pixels = Math.max(1, Math.min(4000, Math.round(this.width * 2)));
    const query = new URLSearchParams({
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      pixels: String(pixels),
    });
    row.loading = true;
    try {
      const body = await api(`/api/cameras/${encodeURIComponent(row.cameraId)}/timeline?${query}`, {
        signal: controller.signal,
      });
      row.data = this.parse(body);
      row.error = "";
    } catch (error) {
      if (error.name === "AbortError") return;
      row.error = error.message;
    } finally {
      row.loading = false;
    }
    this.draw();
  }

  parse(body) {
    const ms = (text) => (text ? Date.parse(text) : null);
    return {
      start: ms(body.start),
      end: ms(body.end),
      spans: body.spans.map((s) => [ms(s.start), ms(s.end)]),
      gaps: body.gaps.map((g) => ({ start: ms(g.start), end: ms(g.end), reason: g.reason })),
      holds: body.holds.map((h) => ({ start: ms(h.start), end: ms(h.end), caseNumber: h.case_number })),
      events: body.events.map((e) => ({ ts: ms(e.ts), kind: e.kind, message: e.message, level: e.level })),
      first: ms(body.first),
      last: ms(body.last),
      now: ms(body.now),
      administrativeSince: ms(body.administrative_since),
      retainedSince: ms(body.retained_since),
      legalRegime: body.legal_regime,
    };
  }

  /** The row's data: recorded footage at `ms`, the next footage after it, and the rules. */
  info(ms, rowIndex = 0) {
    const data = this.rows[rowIndex] && this.rows[rowIndex].data;
    if (!data) return null;
    const span = data.spans.find(([a, b]) => a <= ms && ms < b);
    const next = data.spans.find(([a]) => a > ms);
    const gap = data.gaps.find((g) => g.start <= ms && (g.end === null || ms < g.end));
    return { recorded: Boolean(span), next: next ? next[0] : null, gap, data };
  }

  // ------------------------------------------------------------- geometry

  resize() {
    const ratio = window.devicePixelRatio || 1;
    const rect = this.canvas.getBoundingClientRect();
    this.width = Math.max(100, rect.width);
    this.height = AXIS + this.rowHeight * this.rows.length + 6;
    this.canvas.style.height = `${this.height}px`;
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.draw();
  }

  x(ms) {
    return LABEL + ((ms - this.start) / this.span) * (this.width - LABEL);
  }

  time(x) {
    return this.start + ((x - LABEL) / (this.width - LABEL)) * this.span;
  }

  rowAt(y) {
    const index = Math.floor((y - AXIS) / this.rowHeight);
    return index >= 0 && index < this.rows.length ? index : -1;
  }

  // ------------------------------------------------------------- drawing

  draw() {
    if (!this.width) return;
    const ctx = this.ctx;
    ctx.fillStyle = COLOURS.background;
    ctx.fillRect(0, 0, this.width, this.height);
    this.drawAxis();
    this.rows.forEach((row, index) => this.drawRow(row, AXIS + index * this.rowHeight));
    const now = Date.now();
    this.vline(now, COLOURS.now, 2);
    if (this.selection) {
      const [a, b] = this.selection;
      ctx.fillStyle = COLOURS.selection;
      ctx.fillRect(this.x(a), AXIS, Math.max(2, this.x(b) - this.x(a)), this.height - AXIS);
    }
    if (this.playhead !== null) {
      this.vline(this.playhead, COLOURS.playhead, 2);
      this.flag(this.playhead, formatUtc(this.playhead), COLOURS.playhead, "#000");
    }
    if (this.hover !== null && !this.drag) {
      this.vline(this.hover.ms, COLOURS.hover, 1);
      this.flag(this.hover.ms, this.hover.text, "#243245", "#e6edf5");
    }
  }

  vline(ms, colour, width) {
    const x = this.x(ms);
    if (x < 0 || x > this.width) return;
    this.ctx.fillStyle = colour;
    this.ctx.fillRect(Math.round(x - width / 2), AXIS - 4, width, this.height - AXIS + 4);
  }

  flag(ms, text, background, colour) {
    const ctx = this.ctx;
    ctx.font = "11px DejaVu Sans Mono, monospace";
    const width = ctx.measureText(text).width + 8;
    const x = Math.min(Math.max(0, this.x(ms) - width / 2), this.width - width);
    ctx.fillStyle = background;
    ctx.fillRect(x, 1, width, AXIS - 4);
    ctx.fillStyle = colour;
    ctx.fillText(text, x + 4, AXIS - 7);
  }

  drawAxis() {
    const ctx = this.ctx;
    const minimum = (this.span / this.width) * 90;
    let ticks;
    let step = STEPS.find((s) => s >= minimum);
    if (step === undefined) {
      const months = [1, 2, 3, 6, 12].find((m) => m * MONTH >= minimum) || 12;
      ticks = monthTicks(this.start, this.end, months);
      step = months * MONTH;
    } else {
      ticks = [];
      for (let t = Math.ceil(this.start / step) * step; t <= this.end; t += step) ticks.push(t);
    }
    ctx.font = "11px DejaVu Sans, sans-serif";
    for (const t of ticks) {
      const x = Math.round(this.x(t)) + 0.5;
      ctx.fillStyle = COLOURS.grid;
      ctx.fillRect(x, AXIS - 4, 1, this.height - AXIS + 4);
      ctx.fillStyle = COLOURS.axis;
      ctx.fillText(tickLabel(t, step), x + 3, AXIS - 7);
    }
  }

  drawRow(row, top) {
    const h = this.rowHeight;
    const ctx = this.ctx;
    ctx.fillStyle = COLOURS.row;
    ctx.fillRect(0, top + 2, this.width, h - 4);
    const data = row.data;
    if (data) {
      if (data.retainedSince !== null && data.retainedSince > this.start) {
        ctx.fillStyle = COLOURS.erased;
        ctx.fillRect(0, top + 2, this.x(data.retainedSince), h - 4);
      }
      if (data.administrativeSince !== null && data.administrativeSince > this.start) {
        const x = this.x(data.administrativeSince);
        ctx.fillStyle = COLOURS.judicial;
        ctx.fillRect(0, top + 2, Math.min(x, this.width), h - 4);
        ctx.fillStyle = COLOURS.hold;
        if (x >= 0 && x <= this.width) ctx.fillRect(Math.round(x), top + 2, 1, h - 4);
      }
      ctx.fillStyle = COLOURS.recorded;
      for (const [a, b] of data.spans) {
        if (b < this.start || a > this.end) continue;
        const x0 = Math.max(-1, this.x(a));
        const x1 = Math.min(this.width + 1, this.x(b));
        ctx.fillRect(x0, top + 8, Math.max(1, x1 - x0), h - 14);
      }
      ctx.fillStyle = COLOURS.gap;
      for (const gap of data.gaps) {
        const x0 = Math.max(-1, this.x(gap.start));
        const x1 = Math.min(this.width + 1, this.x(gap.end === null ? data.now : gap.end));
        ctx.fillRect(x0, top + h - 6, Math.max(1, x1 - x0), 2);
      }
      ctx.fillStyle = COLOURS.hold;
      for (const hold of data.holds) {
        const x0 = Math.max(-1, this.x(hold.start));
        const x1 = Math.min(this.width + 1, this.x(hold.end));
        ctx.fillRect(x0, top + 3, Math.max(2, x1 - x0), 3);
      }
      ctx.fillStyle = COLOURS.event;
      for (const event of data.events) {
        const x = this.x(event.ts);
        ctx.beginPath();
        ctx.moveTo(x - 4, top + h - 3);
        ctx.lineTo(x + 4, top + h - 3);
        ctx.lineTo(x, top + h - 9);
        ctx.fill();
      }
    }
    if (this.rows.length > 1 || row.error) {
      ctx.font = "11px DejaVu Sans, sans-serif";
      ctx.fillStyle = row.error ? COLOURS.gap : "#e6edf5";
      ctx.fillText(row.error || row.label || "", 6, top + 17);
    }
  }

  describe(ms, rowIndex) {
    const info = this.info(ms, rowIndex);
    const parts = [formatUtc(ms)];
    if (!info) return parts.join(" ");
    const { data } = info;
    if (data.retainedSince !== null && ms < data.retainedSince) parts.push("past retention");
    else if (info.recorded) parts.push("recorded");
    else if (info.gap) parts.push(`no footage: ${info.gap.reason.replaceAll("_", " ")}`);
    else parts.push("no footage");
    if (data.administrativeSince !== null && ms < data.administrativeSince) parts.push("judicial purpose needed");
    const hold = data.holds.find((h) => h.start <= ms && ms < h.end);
    if (hold) parts.push(`held: ${hold.caseNumber}`);
    return parts.join(" · ");
  }

  // ------------------------------------------------------------- input

  nearPlayhead(x) {
    return this.playhead !== null && Math.abs(this.x(this.playhead) - x) <= GRIP;
  }

  bind() {
    const canvas = this.canvas;
    canvas.tabIndex = 0;
    canvas.addEventListener(
      "wheel",
      (event) => {
        event.preventDefault();
        const factor = event.deltaY > 0 ? 1.25 : 0.8;
        this.zoom(factor, this.time(event.offsetX));
      },
      { passive: false },
    );
    canvas.addEventListener("pointerdown", (event) => {
      canvas.setPointerCapture(event.pointerId);
      this.drag = {
        x: event.offsetX,
        start: this.start,
        end: this.end,
        select: event.shiftKey,
        scrub: !event.shiftKey && this.nearPlayhead(event.offsetX),
        moved: false,
        anchor: this.time(event.offsetX),
        row: this.rowAt(event.offsetY),
      };
    });
    canvas.addEventListener("pointermove", (event) => {
      const ms = this.time(event.offsetX);
      this.hover = { ms, text: this.describe(ms, Math.max(0, this.rowAt(event.offsetY))) };
      const drag = this.drag;
      if (!drag) {
        canvas.style.cursor = this.nearPlayhead(event.offsetX) ? "ew-resize" : "";
        this.draw();
        return;
      }
      if (Math.abs(event.offsetX - drag.x) > 3) drag.moved = true;
      if (!drag.moved) return;
      if (drag.scrub) {
        this.playhead = Math.round(ms);
        this.draw();
        this.onScrub(this.playhead);
      } else if (drag.select) {
        const a = Math.min(drag.anchor, ms);
        const b = Math.max(drag.anchor, ms);
        this.selection = [Math.round(a), Math.round(b)];
        this.draw();
      } else {
        const delta = ((event.offsetX - drag.x) / this.width) * (drag.end - drag.start);
        this.setView(drag.start - delta, drag.end - delta);
      }
    });
    canvas.addEventListener("pointerup", (event) => {
      const drag = this.drag;
      this.drag = null;
      if (!drag) return;
      if (drag.scrub && drag.moved) {
        this.onScrubEnd(this.playhead);
      } else if (drag.select && drag.moved) {
        this.setSelection(this.selection);
      } else if (!drag.moved) {
        this.onSeek(Math.round(this.time(event.offsetX)), Math.max(0, drag.row));
      }
      this.draw();
    });
    canvas.addEventListener("pointerleave", () => {
      this.hover = null;
      this.draw();
    });
    canvas.addEventListener("dblclick", (event) => this.zoom(0.25, this.time(event.offsetX)));
    canvas.addEventListener("keydown", (event) => {
      const keys = {
        ArrowLeft: () => this.pan(-0.1),
        ArrowRight: () => this.pan(0.1),
        "+": () => this.zoom(0.5, this.playhead ?? undefined),
        "=": () => this.zoom(0.5, this.playhead ?? undefined),
        "-": () => this.zoom(2, this.playhead ?? undefined),
        Escape: () => this.setSelection(null),
      };
      const action = keys[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    });
  }
}
