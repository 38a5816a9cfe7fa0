// Local time in the pages' scripts (static/localtime.js), run with `node --test tests/js/`.
// Brussels is the site's zone: 29 March 2026 is 23 hours long (02:00 -> 03:00), 25 October
// 2026 is 25 hours long (03:00 -> 02:00, so 02:00 to 03:00 happens twice).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  DAY,
  HOUR,
  LocalTimeError,
  dayAround,
  dayBounds,
  formatInstant,
  formatLocal,
  formatOffset,
  formatTime,
  hourTicks,
  instantsOf,
  isAmbiguous,
  labelTicks,
  localDate,
  localTicks,
  offsetMinutes,
  parseLocal,
  readDate,
  readLocal,
  regional,
  wallClock,
  zoneLabel,
} from "../../src/belfort/web/static/localtime.js";

const BRUSSELS = "Europe/Brussels";
const utc = (text) => Date.parse(text);

describe("offsets", () => {
  test("Brussels is +01:00 in winter and +02:00 in summer", () => {
    assert.equal(offsetMinutes(utc("2026-01-15T12:00:00Z"), BRUSSELS), 60);
    assert.equal(offsetMinutes(utc("2026-07-15T12:00:00Z"), BRUSSELS), 120);
  });

  test("the offset changes at 01:00 UTC on the last Sundays of March and October", () => {
    assert.equal(offsetMinutes(utc("2026-03-29T00:59:59Z"), BRUSSELS), 60);
    assert.equal(offsetMinutes(utc("2026-03-29T01:00:00Z"), BRUSSELS), 120);
    assert.equal(offsetMinutes(utc("2026-10-25T00:59:59Z"), BRUSSELS), 120);
    assert.equal(offsetMinutes(utc("2026-10-25T01:00:00Z"), BRUSSELS), 60);
  });

  test("offsets are written with sign, hours and minutes", () => {
    assert.equal(formatOffset(120), "+02:00");
    assert.equal(formatOffset(0), "+00:00");
    assert.equal(formatOffset(-210), "-03:30");
    assert.equal(formatOffset(offsetMinutes(utc("2026-07-01T00:00:00Z"), "America/St_Johns")), "-02:30");
  });

  test("the zone's label names the offset at the instant", () => {
    assert.equal(zoneLabel(utc("2026-10-25T00:30:00Z"), BRUSSELS), "Europe/Brussels, UTC+02:00");
    assert.equal(zoneLabel(utc("2026-10-25T01:30:00Z"), BRUSSELS), "Europe/Brussels, UTC+01:00");
  });
});

describe("days", () => {
  test("an ordinary day is 24 hours from local midnight", () => {
    const [start, end] = dayBounds("2026-06-10", BRUSSELS);
    assert.equal(new Date(start).toISOString(), "2026-06-09T22:00:00.000Z");
    assert.equal(end - start, 24 * HOUR);
  });

  test("29 March 2026 is 23 hours long", () => {
    const [start, end] = dayBounds("2026-03-29", BRUSSELS);
    assert.equal(new Date(start).toISOString(), "2026-03-28T23:00:00.000Z");
    assert.equal(new Date(end).toISOString(), "2026-03-29T22:00:00.000Z");
    assert.equal(end - start, 23 * HOUR);
  });

  test("25 October 2026 is 25 hours long", () => {
    const [start, end] = dayBounds("2026-10-25", BRUSSELS);
    assert.equal(new Date(start).toISOString(), "2026-10-24T22:00:00.000Z");
    assert.equal(new Date(end).toISOString(), "2026-10-25T23:00:00.000Z");
    assert.equal(end - start, 25 * HOUR);
  });

  test("the day around an instant is its local day, not its UTC day", () => {
    const late = utc("2026-10-24T22:30:00Z"); // 00:30 on the 25th in Brussels
    assert.equal(localDate(late, BRUSSELS), "2026-10-25");
    assert.deepEqual(dayAround(late, BRUSSELS), dayBounds("2026-10-25", BRUSSELS));
  });

  test("a day whose midnight the clocks skip starts when they jump", () => {
    const [start, end] = dayBounds("2026-09-06", "America/Santiago");
    assert.equal(formatLocal(start, { zone: "America/Santiago" }), "2026-09-06 01:00:00 -03:00");
    assert.equal(end - start, 23 * HOUR);
  });

  test("readDate takes calendar days only", () => {
    assert.deepEqual(readDate("2026-10-25"), { year: 2026, month: 10, day: 25 });
    assert.equal(readDate("2026-02-30"), null);
    assert.equal(readDate("25/10/2026"), null);
    assert.throws(() => dayBounds("2026-13-01", BRUSSELS), RangeError);
  });
});

describe("the repeated and the skipped hour", () => {
  test("02:30 on 25 October happens twice, an hour apart", () => {
    const found = instantsOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, BRUSSELS);
    assert.deepEqual(found.map((ms) => new Date(ms).toISOString()), [
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:30:00.000Z",
    ]);
    assert.ok(isAmbiguous(found[0], BRUSSELS) && isAmbiguous(found[1], BRUSSELS));
    assert.ok(!isAmbiguous(utc("2026-10-25T02:30:00Z"), BRUSSELS));
  });

  test("02:30 on 29 March does not exist", () => {
    assert.deepEqual(instantsOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, BRUSSELS), []);
  });

  test("the wall clock of each instant", () => {
    const wall = wallClock(utc("2026-10-25T01:30:15.250Z"), BRUSSELS);
    assert.deepEqual(wall, { year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 15, millisecond: 250 });
  });
});

describe("formatting", () => {
  test("a moment reads as local time with its offset", () => {
    assert.equal(formatLocal(utc("2026-10-25T00:30:00Z"), { zone: BRUSSELS }), "2026-10-25 02:30:00 +02:00");
    assert.equal(formatLocal(utc("2026-10-25T01:30:00Z"), { zone: BRUSSELS }), "2026-10-25 02:30:00 +01:00");
    assert.equal(
      formatLocal(utc("2026-10-25T01:30:05.042Z"), { zone: BRUSSELS, millis: true }),
      "2026-10-25 02:30:05.042 +01:00",
    );
    assert.equal(formatLocal(utc("2026-03-29T01:00:00Z"), { zone: BRUSSELS, offset: false }), "2026-03-29 03:00:00");
    assert.equal(formatTime(utc("2026-12-31T23:05:09Z"), { zone: BRUSSELS, seconds: true }), "00:05:09");
  });

  test("each language writes dates its Belgian way", () => {
    assert.equal(regional("nl"), "nl-BE");
    assert.equal(regional("fr"), "fr-BE");
    assert.equal(regional("de"), "de-BE");
    assert.equal(regional("en"), "en-GB");
    const ms = utc("2026-10-25T00:30:00Z");
    const long = { zone: BRUSSELS, dateStyle: "long", timeStyle: "short" };
    const words = {
      nl: ["25 oktober 2026", "02:30"],
      fr: ["25 octobre 2026", "02:30"],
      de: ["25. Oktober 2026", "02:30"],
      en: ["25 October 2026", "02:30"],
    };
    for (const [lang, parts] of Object.entries(words)) {
      const text = formatInstant(ms, { ...long, lang });
      for (const part of parts) assert.ok(text.includes(part), `${lang}: ${text}`);
    }
    assert.equal(formatInstant(ms, { zone: BRUSSELS, lang: "nl", dateStyle: "short" }), "25/10/2026");
    assert.equal(formatInstant(ms, { zone: BRUSSELS, lang: "en", dateStyle: "short" }), "25/10/2026");
    assert.equal(formatInstant(ms, { zone: BRUSSELS, lang: "de", dateStyle: "short" }), "25.10.26");
  });
});

describe("reading typed times", () => {
  test("a time without offset is Brussels time", () => {
    assert.equal(new Date(parseLocal("2026-06-10 14:00", BRUSSELS)).toISOString(), "2026-06-10T12:00:00.000Z");
    assert.equal(new Date(parseLocal("2026-06-10T14:00:30.5", BRUSSELS)).toISOString(), "2026-06-10T12:00:30.500Z");
    assert.equal(new Date(parseLocal("2026-06-10", BRUSSELS)).toISOString(), "2026-06-09T22:00:00.000Z");
  });

  test("in the repeated hour a time without offset is the first; the offset picks the second", () => {
    const first = readLocal("2026-10-25 02:30", BRUSSELS);
    assert.equal(new Date(first.ms).toISOString(), "2026-10-25T00:30:00.000Z");
    assert.equal(first.ambiguous, true);
    assert.equal(new Date(first.second).toISOString(), "2026-10-25T01:30:00.000Z");
    const second = readLocal("2026-10-25 02:30+01:00", BRUSSELS);
    assert.equal(new Date(second.ms).toISOString(), "2026-10-25T01:30:00.000Z");
    assert.equal(second.offsetGiven, true);
    assert.equal(parseLocal("2026-10-25T02:30:00 +02:00", BRUSSELS), first.ms);
    assert.equal(parseLocal("2026-10-25 01:30Z", BRUSSELS), second.ms);
    assert.equal(parseLocal("2026-10-25 02:30:00+0100", BRUSSELS), second.ms);
  });

  test("a time the clocks skip is refused with a sentence", () => {
    assert.throws(
      () => readLocal("2026-03-29 02:30", BRUSSELS),
      (error) =>
        error instanceof LocalTimeError &&
        error.message ===
          "2026-03-29 02:30 does not exist in Europe/Brussels: the clocks skip that hour; give a time outside it",
    );
    assert.equal(new Date(parseLocal("2026-03-29 03:00", BRUSSELS)).toISOString(), "2026-03-29T01:00:00.000Z");
    assert.equal(new Date(parseLocal("2026-03-29 02:30+01:00", BRUSSELS)).toISOString(), "2026-03-29T01:30:00.000Z");
  });

  test("text that is not a moment says how to write one", () => {
    for (const text of ["", "yesterday", "2026-02-30 10:00", "2026-10-25 24:00", "2026-10-25 10:61", "25/10/2026"]) {
      assert.throws(
        () => readLocal(text, BRUSSELS),
        (error) => error instanceof LocalTimeError && error.message.includes("write it as YYYY-MM-DD HH:MM:SS"),
        text,
      );
    }
  });
});

describe("ticks", () => {
  test("25 October: 25 hour ticks, 02:00 twice, each with its offset", () => {
    const ticks = hourTicks("2026-10-25", BRUSSELS, { lang: "en" });
    assert.equal(ticks.length, 25);
    const labels = ticks.map((t) => `${t.label}${t.offset ? ` ${t.offset}` : ""}`);
    assert.deepEqual(labels.slice(0, 5), ["25 Oct", "01:00", "02:00 +02:00", "02:00 +01:00", "03:00"]);
    assert.equal(ticks[3].ms - ticks[2].ms, HOUR);
  });

  test("29 March: 23 hour ticks and no 02:00", () => {
    const ticks = hourTicks("2026-03-29", BRUSSELS, { lang: "nl" });
    assert.equal(ticks.length, 23);
    assert.deepEqual(
      ticks.slice(0, 3).map((t) => t.label),
      ["29 mrt", "01:00", "03:00"],
    );
    assert.ok(ticks.every((t) => t.offset === ""));
  });

  test("two-hour ticks on the long day fall on even local hours, 02:00 twice", () => {
    const labels = hourTicks("2026-10-25", BRUSSELS, { every: 2, lang: "de" }).map((t) => t.label + t.offset);
    assert.deepEqual(labels.slice(0, 4), ["25. Okt.", "02:00+02:00", "02:00+01:00", "04:00"]);
    assert.equal(labels.length, 13);
  });

  test("minute ticks run through the repeated hour twice", () => {
    const step = 30 * 60 * 1000;
    const ticks = labelTicks(localTicks(utc("2026-10-24T23:30:00Z"), utc("2026-10-25T02:00:00Z"), step, BRUSSELS), step, {
      zone: BRUSSELS,
    });
    assert.deepEqual(
      ticks.map((t) => t.label + t.offset),
      ["01:30", "02:00+02:00", "02:30+02:00", "02:00+01:00", "02:30+01:00", "03:00"],
    );
  });

  test("day, week and month ticks fall on local midnights", () => {
    const days = localTicks(utc("2026-10-24T12:00:00Z"), utc("2026-10-27T12:00:00Z"), DAY, BRUSSELS);
    assert.deepEqual(days.map((ms) => formatLocal(ms, { zone: BRUSSELS })), [
      "2026-10-25 00:00:00 +02:00",
      "2026-10-26 00:00:00 +01:00",
      "2026-10-27 00:00:00 +01:00",
    ]);
    const weeks = localTicks(utc("2026-10-01T00:00:00Z"), utc("2026-10-31T00:00:00Z"), 7 * DAY, BRUSSELS);
    assert.deepEqual(weeks.map((ms) => localDate(ms, BRUSSELS)), ["2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]);
    const months = localTicks(utc("2026-01-15T00:00:00Z"), utc("2026-12-31T00:00:00Z"), 0, BRUSSELS, { months: 3 });
    assert.deepEqual(months.map((ms) => formatLocal(ms, { zone: BRUSSELS, seconds: false })), [
      "2026-04-01 00:00 +02:00",
      "2026-07-01 00:00 +02:00",
      "2026-10-01 00:00 +02:00",
    ]);
    const labels = labelTicks(months, 0, { zone: BRUSSELS, lang: "fr", months: 3 }).map((t) => t.label);
    assert.deepEqual(labels, ["avr. 2026", "juil. 2026", "oct. 2026"]);
  });
});
