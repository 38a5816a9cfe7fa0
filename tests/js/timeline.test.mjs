// The timeline's arithmetic (static/timeline.js), run with `node --test tests/js/`: the
// view, zooming and panning, pixels and instants, the ticks of its axis in Brussels time
// (the 25-hour day shows 02:00 twice), durations and what a moment holds.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { HOUR } from "../../src/belfort/web/static/localtime.js";
import {
  MAX_SPAN,
  MIN_SPAN,
  axisTicks,
  chooseStep,
  clampSpan,
  dayView,
  describeMoment,
  formatDuration,
  momentInfo,
  panView,
  parseTimeline,
  timeAt,
  viewAround,
  xOf,
  zoomView,
} from "../../src/belfort/web/static/timeline.js";

const BRUSSELS = "Europe/Brussels";
const utc = (text) => Date.parse(text);

describe("the view", () => {
  test("a span is kept between ten seconds and two years", () => {
    assert.equal(clampSpan(1), MIN_SPAN);
    assert.equal(clampSpan(10 * MAX_SPAN), MAX_SPAN);
    assert.equal(clampSpan(HOUR), HOUR);
  });

  test("a view around a moment", () => {
    assert.deepEqual(viewAround(10_000_000, HOUR), [10_000_000 - HOUR / 2, 10_000_000 + HOUR / 2]);
    assert.deepEqual(viewAround(0, 1), [-MIN_SPAN / 2, MIN_SPAN / 2]);
  });

  test("zooming keeps the anchor where it is on screen", () => {
    const [start, end] = [0, 100 * HOUR];
    const anchor = 20 * HOUR;
    const [a, b] = zoomView(start, end, 0.5, anchor);
    assert.equal(b - a, 50 * HOUR);
    assert.equal((anchor - a) / (b - a), (anchor - start) / (end - start));
    const [c, d] = zoomView(start, end, 2);
    assert.deepEqual([c, d], [-50 * HOUR, 150 * HOUR]);
  });

  test("panning moves by a fraction of the view", () => {
    assert.deepEqual(panView(0, 10 * HOUR, 0.1), [HOUR, 11 * HOUR]);
    assert.deepEqual(panView(0, 10 * HOUR, -0.1), [-HOUR, 9 * HOUR]);
  });

  test("pixels and instants map onto each other", () => {
    const [start, end, width] = [utc("2026-10-24T22:00:00Z"), utc("2026-10-25T23:00:00Z"), 1000];
    assert.equal(xOf(start, start, end, width), 0);
    assert.equal(xOf(end, start, end, width), width);
    assert.equal(xOf(start + 5 * HOUR, start, end, width), 200); // 5 of 25 hours
    assert.equal(timeAt(200, start, end, width), start + 5 * HOUR);
  });

  test("the day view is the local day: 25 hours in October, 23 in March", () => {
    const [a, b] = dayView(utc("2026-10-25T12:00:00Z"), BRUSSELS);
    assert.equal(b - a, 25 * HOUR);
    const [c, d] = dayView(utc("2026-03-29T12:00:00Z"), BRUSSELS);
    assert.equal(d - c, 23 * HOUR);
    const [e, f] = dayView(utc("2026-10-24T22:30:00Z"), BRUSSELS); // 00:30 local on the 25th
    assert.deepEqual([e, f], [a, b]);
  });
});

describe("the axis", () => {
  test("the step leaves room for a label", () => {
    assert.deepEqual(chooseStep(0, 25 * HOUR, 1366), { step: 2 * HOUR, months: 0 });
    assert.deepEqual(chooseStep(0, 25 * HOUR, 3840), { step: HOUR, months: 0 });
    assert.deepEqual(chooseStep(0, 60 * 1000, 1366), { step: 5000, months: 0 });
    assert.deepEqual(chooseStep(0, 365 * 24 * HOUR, 1366), { step: 0, months: 1 });
    assert.deepEqual(chooseStep(0, 731 * 24 * HOUR, 1366), { step: 0, months: 2 });
  });

  test("the 25-hour day at 1366 pixels shows 02:00 twice, with its offsets", () => {
    const [start, end] = dayView(utc("2026-10-25T12:00:00Z"), BRUSSELS);
    const ticks = axisTicks(start, end, 1366, { zone: BRUSSELS, lang: "en" });
    const twos = ticks.filter((t) => t.label === "02:00");
    assert.deepEqual(
      twos.map((t) => [new Date(t.ms).toISOString(), t.offset]),
      [
        ["2026-10-25T00:00:00.000Z", "+02:00"],
        ["2026-10-25T01:00:00.000Z", "+01:00"],
      ],
    );
    assert.equal(ticks[0].label, "25 Oct");
    assert.equal(ticks.at(-1).label, "26 Oct");
  });

  test("zoomed in on the repeated hour, 02:30 appears twice", () => {
    const ticks = axisTicks(utc("2026-10-25T00:20:00Z"), utc("2026-10-25T01:40:00Z"), 1366, { zone: BRUSSELS });
    const halves = ticks.filter((t) => t.label === "02:30");
    assert.deepEqual(
      halves.map((t) => t.offset),
      ["+02:00", "+01:00"],
    );
    assert.equal(halves[1].ms - halves[0].ms, HOUR);
  });

  test("the 23-hour day has no 02:00", () => {
    const [start, end] = dayView(utc("2026-03-29T12:00:00Z"), BRUSSELS);
    const labels = axisTicks(start, end, 3840, { zone: BRUSSELS, lang: "fr" }).map((t) => t.label);
    assert.ok(!labels.includes("02:00"));
    assert.deepEqual(labels.slice(0, 3), ["29 mars", "01:00", "03:00"]);
  });

  test("ticks in a summer afternoon are local hours, not UTC hours", () => {
    const ticks = axisTicks(utc("2026-07-01T10:00:00Z"), utc("2026-07-01T16:00:00Z"), 1366, { zone: BRUSSELS });
    assert.equal(ticks[0].label, "12:00");
    assert.equal(ticks[0].ms, utc("2026-07-01T10:00:00Z"));
  });
});

describe("words", () => {
  test("durations", () => {
    assert.equal(formatDuration(45_000), "45 s");
    assert.equal(formatDuration(200_000), "3 min 20 s");
    assert.equal(formatDuration(180_000), "3 min");
    assert.equal(formatDuration(2 * HOUR + 5 * 60_000), "2 h 5 min");
    assert.equal(formatDuration(27 * HOUR), "1 d 3 h");
  });

  const answer = {
    start: "2026-10-25T00:00:00Z",
    end: "2026-10-25T02:00:00Z",
    spans: [{ start: "2026-10-25T00:30:00Z", end: "2026-10-25T00:30:08Z" }],
    gaps: [{ start: "2026-10-25T00:30:08Z", end: "2026-10-25T01:30:00Z", reason: "recorder_down" }],
    holds: [{ start: "2026-10-25T00:30:00Z", end: "2026-10-25T00:31:00Z", case_number: "PV 2026/1" }],
    events: [],
    first: "2026-10-25T00:30:00Z",
    last: "2026-10-25T01:30:08Z",
    now: "2026-10-25T09:00:00Z",
    administrative_since: "2026-09-25T09:00:00Z",
    retained_since: "2025-10-25T09:00:00Z",
    legal_regime: "police",
  };

  test("the server's answer as instants", () => {
    const data = parseTimeline(answer);
    assert.deepEqual(data.spans, [[utc("2026-10-25T00:30:00Z"), utc("2026-10-25T00:30:08Z")]]);
    assert.equal(data.holds[0].caseNumber, "PV 2026/1");
    assert.equal(data.administrativeSince, utc("2026-09-25T09:00:00Z"));
  });

  test("what a moment holds, and how the timeline says it in local time", () => {
    const data = parseTimeline(answer);
    const recorded = momentInfo(data, utc("2026-10-25T00:30:04Z"));
    assert.equal(recorded.recorded, true);
    assert.equal(recorded.hold.caseNumber, "PV 2026/1");
    const gap = momentInfo(data, utc("2026-10-25T01:00:00Z"));
    assert.equal(gap.recorded, false);
    assert.equal(gap.gap.reason, "recorder_down");
    assert.equal(
      describeMoment(data, utc("2026-10-25T00:30:04Z")),
      "2026-10-25 02:30:04 +02:00 · recorded · held: PV 2026/1",
    );
    assert.equal(
      describeMoment(data, utc("2026-10-25T01:20:00Z")),
      "2026-10-25 02:20:00 +01:00 · no footage: recorder down",
    );
  });
});
