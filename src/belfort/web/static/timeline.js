// Timeline: where cameras have footage, drawn on a canvas, zoomable from two years to
// ten seconds.
//
// One row per camera. The server sends spans at the resolution of the view (one pixel),
// with gaps and their reasons, evidence holds, media events, the 30-day line of police
// cameras and the retention limit, so a year of recordings costs one small answer. Drag
// to pan, wheel (or +/-) to zoom around the pointer, click to play from a moment, drag
// the playhead to scrub, Shift+drag to select a range; from the keyboard, arrows pan,
// Enter plays from the playhead (or the middle) and [ ] mark a range. Positions are
// instants (milliseconds since the epoch, UTC); the axis is labelled in the site's local
// time, so the day the clocks go back is 25 hours wide and shows 02:00 twice, each
// with its offset. The arithmetic of the view is in pure functions, tested under node.

import { api } from "./api.js";
import { _ } from "./i18n.js";
import { DAY, dayAround, formatLocal, labelTicks, localTicks } from "./localtime.js";

export const MIN_SPAN = 10 * 1000;
export const MAX_SPAN = 731 * DAY;
const AXIS = 30;
const ROW = 28;
const GRIP = 6; // pixels either side of the playhead that pick it up
const TICK_PIXELS = 90; // the least room between two labelled ticks
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
  offset: "#f2b134",
  grid: "#243245",
  now: "#c62828",
  playhead: "#ffffff",
  selection: "rgba(90, 169, 255, 0.28)",
  hover: "rgba(255, 255, 255, 0.5)",
};
/** Tick steps under a month, in milliseconds of local time. */
export const STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 2 * 86400, 7 * 86400,
  14 * 86400,
].map((s) => s * 1000);
const MONTHS = [1, 2, 3, 6, 12];
const MONTH = 30 * DAY;

// ---------------------------------------------------------------- the view's arithmetic

/** A span of time the timeline can show: between ten seconds and two years. */
export function clampSpan(span) {
  return Math.min(MAX_SPAN, Math.max(MIN_SPAN, span));
}

/** The view [start, end] of `span` around `middle`, the span clamped, in whole milliseconds. */
export function viewAround(middle, span) {
  const clamped = clampSpan(span);
  const start = Math.round(middle - clamped / 2);
  return [start, start + clamped];
}

/** The view zoomed by `factor` (0.5: twice as close) keeping `anchor` where it is on screen. */
export function zoomView(start, end, factor, anchor = (start + end) / 2) {
  const span = clampSpan((end - start) * factor);
  const ratio = (anchor - start) / (end - start);
  const from = anchor - ratio * span;
  return viewAround(from + span / 2, span);
}

/** The view moved by `fraction` of its span (negative: to the past). */
export function panView(start, end, fraction) {
  const delta = (end - start) * fraction;
  return [start + delta, end + delta];
}

/** Where instant `ms` lies on an axis `width` pixels wide showing [start, end]. */
export function xOf(ms, start, end, width) {
  return ((ms - start) / (end - start)) * width;
}

/** The instant at `x` pixels on an axis `width` pixels wide showing [start, end]. */
export function timeAt(x, start, end, width) {
  return start + (x / width) * (end - start);
}

/** The tick step for a view: { step } in ms under a month, else { months }, so that ticks
 * are at least `pixels` apart on an axis `width` pixels wide. */
export function chooseStep(start, end, width, pixels = TICK_PIXELS) {
  const least = ((end - start) / Math.max(1, width)) * pixels;
  const step = STEPS.find((s) => s >= least);
  if (step !== undefined) return { step, months: 0 };
  return { step: 0, months: MONTHS.find((m) => m * MONTH >= least) || 12 };
}

/** The labelled ticks of the axis of a view (see localtime.labelTicks). */
export function axisTicks(start, end, width, { zone, lang } = {}) {
  const { step, months } = chooseStep(start, end, width);
  return labelTicks(localTicks(start, end, step, zone, { months }), step, { zone, lang, months });
}

/** The local day that holds `ms`, as a view: 23, 24 or 25 hours. */
export function dayView(ms, zone) {
  return dayAround(ms, zone);
}

/** A duration in words: "45 s", "3 min 20 s", "2 h 5 min", "1 d 3 h". */
export function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return _("{seconds} s", { seconds: s });
  if (s < 3600) {
    const minutes = Math.floor(s / 60);
    return s % 60 ? _("{minutes} min {seconds} s", { minutes, seconds: s % 60 }) : _("{minutes} min", { minutes });
  }
  if (s < 86400) return _("{hours} h {minutes} min", { hours: Math.floor(s / 3600), minutes: Math.floor((s % 3600) / 60) });
  return _("{days} d {hours} h", { days: Math.floor(s / 86400), hours: Math.floor((s % 86400) / 3600) });
}

/** What a row's data says about instant `ms`: recorded, the gap it falls in, the next
 * footage after it, whether it is past retention or needs a judicial purpose, its hold. */
export function momentInfo(data, ms) {
  const span = data.spans.find(([a, b]) => a <= ms && ms < b);
  const next = data.spans.find(([a]) => a > ms);
  return {
    recorded: Boolean(span),
    next: next ? next[0] : null,
    gap: data.gaps.find((g) => g.start <= ms && (g.end === null || ms < g.end)) || null,
    erased: data.retainedSince !== null && ms < data.retainedSince,
    judicial: data.administrativeSince !== null && ms < data.administrativeSince,
    hold: data.holds.find((h) => h.start <= ms && ms < h.end) || null,
  };
}

/** The sentence the timeline shows under the pointer for instant `ms`. */
export function describeMoment(data, ms) {
  const parts = [formatLocal(ms)];
  if (!data) return parts.join(" ");
  const info = momentInfo(data, ms);
  if (info.erased) parts.push(_("past retention"));
  else if (info.recorded) parts.push(_("recorded"));
  else if (info.gap) parts.push(_("no footage: {reason}", { reason: gapReason(info.gap.reason) }));
  else parts.push(_("no footage"));
  if (info.judicial) parts.push(_("judicial purpose needed"));
  if (info.hold) parts.push(_("held: {case}", { case: info.hold.caseNumber }));
  return parts.join(" · ");
}

/** Why footage is missing, in words. */
export function gapReason(reason) {
  const reasons = {
    camera_offline: _("camera offline"),
    recorder_down: _("recorder down"),
    storage_error: _("storage error"),
    crash: _("recorder crashed"),
  };
  return reasons[reason] || reason.replaceAll("_", " ");
}

/** The server's timeline answer with its times as instants (ms). */
export function parseTimeline(body) {
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
    [this.start, this.end] = viewAround((start + end) / 2, end - start);
    this.canvas.dataset.start = String(this.start); // the view, for assistive tools and tests
    this.canvas.dataset.end = String(this.end);
    this.draw();
    this.onView(this.start, this.end);
    if (fetch) this.scheduleFetch();
  }

  zoom(factor, anchorMs = (this.start + this.end) / 2) {
    this.setView(...zoomView(this.start, this.end, factor, anchorMs));
  }

  pan(fraction) {
    this.setView(...panView(this.start, this.end, fraction));
  }

  /** Show the whole local day that holds `ms` (23, 24 or 25 hours). */
  showDay(ms) {
    this.setView(...dayView(ms));
  }

  centre(ms, span = this.span) {
    this.setView(ms - span / 2, ms + span / 2);
  }

  setPlayhead(ms) {
    if (this.drag && this.drag.scrub) return; // the person holds the playhead
    this.playhead = ms;
    this.draw();
  }

  /** Where keys act: the playhead when it is in view, else the middle of the view. */
  cursor() {
    const inView = this.playhead !== null && this.start <= this.playhead && this.playhead <= this.end;
    return inView ? this.playhead : (this.start + this.end) / 2;
  }

  /** From the keyboard: "[" marks where a range starts (end 0), "]" where it ends (end 1). */
  markRange(end) {
    const ms = Math.round(this.cursor());
    const [a, b] = this.selection || [ms, ms];
    const range = end === 0 ? [ms, Math.max(ms, b)] : [Math.min(a, ms), ms];
    if (range[1] > range[0]) this.setSelection(range);
    else {
      this.selection = range;
      this.draw();
    }
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
      const body = await api("/api/cameras/" + encodeURIComponent(row.cameraId) + "/timeline?" + query, {
        signal: controller.signal,
      });
      row.data = parseTimeline(body);
      row.error = "";
    } catch (error) {
      if (controller.signal.aborted) return;
      row.error = error.message;
    } finally {
      row.loading = false;
    }
    this.draw();
  }

  /** The row's data: recorded footage at `ms`, the next footage after it, and the rules. */
  info(ms, rowIndex = 0) {
    const data = this.rows[rowIndex] && this.rows[rowIndex].data;
    return data ? { ...momentInfo(data, ms), data } : null;
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
    return xOf(ms, this.start, this.end, this.width);
  }

  time(x) {
    return timeAt(x, this.start, this.end, this.width);
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
      this.flag(this.playhead, formatLocal(this.playhead), COLOURS.playhead, "#000");
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
    ctx.fillRect(x, 1, width, 16);
    ctx.fillStyle = colour;
    ctx.fillText(text, x + 4, 13);
  }

  /** The axis's ticks for the view, worked out once per view and width. */
  ticks() {
    const key = `${this.start}|${this.end}|${Math.round(this.width)}`;
    if (this.tickKey !== key) {
      this.tickKey = key;
      this.tickCache = axisTicks(this.start, this.end, this.width);
      // The labels drawn, for assistive tools and tests (the canvas itself is pixels).
      this.canvas.dataset.ticks = JSON.stringify(this.tickCache);
    }
    return this.tickCache;
  }

  drawAxis() {
    const ctx = this.ctx;
    let free = -Infinity; // where the previous label ends: labels never overlap
    for (const { ms, label, offset } of this.ticks()) {
      const x = Math.round(this.x(ms)) + 0.5;
      ctx.fillStyle = COLOURS.grid;
      ctx.fillRect(x, AXIS - 4, 1, this.height - AXIS + 4);
      ctx.font = "11px DejaVu Sans, sans-serif";
      const width = Math.max(ctx.measureText(label).width, offset ? ctx.measureText(offset).width : 0);
      if (x + 3 < free) continue;
      ctx.fillStyle = COLOURS.axis;
      ctx.fillText(label, x + 3, 12);
      if (offset) {
        ctx.font = "10px DejaVu Sans, sans-serif";
        ctx.fillStyle = COLOURS.offset;
        ctx.fillText(offset, x + 3, AXIS - 7);
      }
      free = x + 3 + width + 6;
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
    const row = this.rows[rowIndex];
    return describeMoment(row ? row.data : null, ms);
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
        canvas.classList.toggle("grab", this.nearPlayhead(event.offsetX));
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
        Enter: () => this.onSeek(Math.round(this.cursor()), 0),
        "[": () => this.markRange(0),
        "]": () => this.markRange(1),
      };
      const action = keys[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    });
  }
}
