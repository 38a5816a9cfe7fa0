// Local time for the pages' scripts: instants (milliseconds since the epoch, UTC) shown as
// the site's wall-clock time, and wall-clock time a person types read back into instants.
//
// Pure functions, no page at import, so they are tested under node. Every instant stays an
// instant: the 25-hour day at the end of October has two 02:30s, one +02:00 and one +01:00,
// and each is its own moment. A typed time without offset in that repeated hour is the first
// (summer time); a time in the hour skipped at the end of March is refused with a sentence.
// The zone is the site's (<html data-time-zone>, default Europe/Brussels); the language,
// for dates in words, the page's.

import { _, language as pageLanguage, timeZone as siteZone } from "./i18n.js";

export const MINUTE = 60 * 1000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The region of each language's Belgian form, for dates in words (25/10/2026, not 10/25/2026). */
const REGIONS = { nl: "BE", fr: "BE", de: "BE", en: "GB" };

/** The locale a language's dates are written in: nl-BE, fr-BE, de-BE, en-GB. */
export function regional(lang) {
  return new Intl.Locale(lang, REGIONS[lang] ? { region: REGIONS[lang] } : {}).toString();
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

// ------------------------------------------------------------------ wall clock and offset

const partFormats = new Map();

function partFormat(zone) {
  let format = partFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partFormats.set(zone, format);
  }
  return format;
}

/** The wall clock in `zone` at instant `ms`: { year, month (1-12), day, hour, minute, second, millisecond }. */
export function wallClock(ms, zone = siteZone) {
  const fields = {};
  for (const part of partFormat(zone).formatToParts(new Date(ms))) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year,
    month: fields.month,
    day: fields.day,
    hour: fields.hour % 24,
    minute: fields.minute,
    second: fields.second,
    millisecond: Math.floor(((ms % 1000) + 1000) % 1000),
  };
}

/** A wall clock as if it were UTC: milliseconds that compare and subtract like local times. */
function wallMs({ year, month, day, hour = 0, minute = 0, second = 0, millisecond = 0 }) {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime();
}

/** Minutes east of UTC in `zone` at instant `ms`: 120 in Brussels in summer, 60 in winter. */
export function offsetMinutes(ms, zone = siteZone) {
  return Math.round((wallMs(wallClock(ms, zone)) - ms) / MINUTE);
}

/** An offset in minutes as text: 120 is "+02:00", -210 is "-03:30". */
export function formatOffset(minutes) {
  const sign = minutes < 0 ? "-" : "+";
  const whole = Math.abs(minutes);
  return `${sign}${pad(Math.floor(whole / 60))}:${pad(whole % 60)}`;
}

/** Every instant whose wall clock in `zone` reads `wall`, earliest first: none in the hour
 * the clocks skip, two in the hour they repeat, else one. */
export function instantsOf(wall, zone = siteZone) {
  const local = wallMs(wall);
  const offsets = new Set([-DAY, -12 * HOUR, 0, 12 * HOUR, DAY].map((d) => offsetMinutes(local + d, zone)));
  const found = new Set();
  for (const offset of offsets) {
    const candidate = local - offset * MINUTE;
    if (offsetMinutes(candidate, zone) === offset) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

/** Whether the wall-clock time of instant `ms` happens twice in `zone` (the repeated hour). */
export function isAmbiguous(ms, zone = siteZone) {
  return instantsOf(wallClock(ms, zone), zone).length > 1;
}

/** The first instant whose wall clock in `zone` reads `wall` or later (for a time the clocks
 * skip: the instant they jump). */
function firstAtOrAfter(wall, zone) {
  const found = instantsOf(wall, zone);
  if (found.length) return found[0];
  const local = wallMs(wall);
  let low = local - offsetMinutes(local - DAY, zone) * MINUTE - 2 * DAY;
  let high = local - offsetMinutes(local + DAY, zone) * MINUTE + 2 * DAY;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallMs(wallClock(middle, zone)) >= local) high = middle;
    else low = middle;
  }
  return high;
}

// ------------------------------------------------------------------ days

/** "2026-10-25" as { year, month, day }, or null when it is not a calendar day. */
export function readDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text).trim());
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const check = new Date(wallMs({ year, month, day }));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** The local calendar day of instant `ms` in `zone`, as "YYYY-MM-DD". */
export function localDate(ms, zone = siteZone) {
  const { year, month, day } = wallClock(ms, zone);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** The day after `date` ({ year, month, day }). */
function nextDay({ year, month, day }) {
  const next = new Date(wallMs({ year, month, day }) + DAY);
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/** The UTC bounds [start, end) of the local calendar day `date` ("YYYY-MM-DD" or
 * { year, month, day }) in `zone`: 23 hours on the day the clocks go forward, 25 on the
 * day they go back. */
export function dayBounds(date, zone = siteZone) {
  const day = typeof date === "string" ? readDate(date) : date;
  if (!day) throw new RangeError(`not a calendar day: ${date}`);
  return [firstAtOrAfter(day, zone), firstAtOrAfter(nextDay(day), zone)];
}

/** The bounds of the local day that holds instant `ms`. */
export function dayAround(ms, zone = siteZone) {
  return dayBounds(localDate(ms, zone), zone);
}

// ------------------------------------------------------------------ showing instants

/** Instant `ms` as the pages write a moment: "2026-10-25 02:30:00 +02:00" (the site's
 * wall clock, with its offset so that the two 02:30s of October read apart). */
export function formatLocal(ms, { zone = siteZone, seconds = true, millis = false, offset = true } = {}) {
  const wall = wallClock(ms, zone);
  let text = `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)} ${pad(wall.hour)}:${pad(wall.minute)}`;
  if (seconds || millis) text += `:${pad(wall.second)}`;
  if (millis) text += `.${pad(wall.millisecond, 3)}`;
  return offset ? `${text} ${formatOffset(offsetMinutes(ms, zone))}` : text;
}

/** The time of day of instant `ms`: "02:30", or "02:30:15" with seconds. */
export function formatTime(ms, { zone = siteZone, seconds = false } = {}) {
  const wall = wallClock(ms, zone);
  return seconds ? `${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}` : `${pad(wall.hour)}:${pad(wall.minute)}`;
}

const wordFormats = new Map();

/** Instant `ms` in words of the page's language and the site's zone, as Intl.DateTimeFormat
 * writes it with `options` (default: date and time, medium): "25 okt 2026, 02:30:00". */
export function formatInstant(ms, { zone = siteZone, lang = pageLanguage, ...options } = {}) {
  const wanted = Object.keys(options).length ? options : { dateStyle: "medium", timeStyle: "medium" };
  const key = `${lang}|${zone}|${JSON.stringify(wanted)}`;
  let format = wordFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(regional(lang), { timeZone: zone, ...wanted });
    wordFormats.set(key, format);
  }
  return format.format(new Date(ms));
}

/** The zone's name and its offset at instant `ms`, as a page says which time it shows:
 * "Europe/Brussels, UTC+01:00". */
export function zoneLabel(ms, zone = siteZone) {
  return `${zone}, UTC${formatOffset(offsetMinutes(ms, zone))}`;
}

// ------------------------------------------------------------------ reading typed times

/** A typed time that cannot be read: its message is the sentence to show. */
export class LocalTimeError extends Error {
  constructor(message) {
    super(message);
    this.name = LocalTimeError.name;
  }
}

const TYPED =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A time a person typed, read as wall-clock time in `zone` unless it names its offset
 * ("2026-10-25 02:30+01:00", or Z for UTC). Returns { ms, ambiguous, offsetGiven, second }:
 * in the repeated hour a time without offset is the first one (summer time), `ambiguous`
 * says a second exists and `second` is that instant (else null). Throws LocalTimeError with the sentence to show for
 * text that is not a moment and for a time the clocks skip.
 */
export function readLocal(text, zone = siteZone) {
  const typed = String(text).trim();
  const match = TYPED.exec(typed);
  const notAMoment = () =>
    new LocalTimeError(
      _("'{text}' is not a moment: write it as YYYY-MM-DD HH:MM:SS, for example {example}.", {
        text: typed,
        example: "2026-10-25 02:30:00",
      }),
    );
  if (!match) throw notAMoment();
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((v) => Number(v || 0));
  const millisecond = match[7] ? Math.floor(Number(`0.${match[7]}`) * 1000) : 0;
  const date = readDate(`${match[1]}-${match[2]}-${match[3]}`);
  if (!date || hour > 23 || minute > 59 || second > 59) throw notAMoment();
  const wall = { year, month, day, hour, minute, second, millisecond };
  if (match[8]) {
    const zoneText = match[8].toUpperCase();
    let offset = 0;
    if (zoneText !== "Z") {
      const digits = zoneText.slice(1).replace(":", "");
      const hours = Number(digits.slice(0, 2));
      const minutes = Number(digits.slice(2) || 0);
      if (hours > 23 || minutes > 59) throw notAMoment();
      offset = (zoneText[0] === "-" ? -1 : 1) * (hours * 60 + minutes);
    }
    return { ms: wallMs(wall) - offset * MINUTE, ambiguous: false, offsetGiven: true, second: null };
  }
  const found = instantsOf(wall, zone);
  if (!found.length) {
    throw new LocalTimeError(
      _("{moment} does not exist in {zone}: the clocks skip that hour; give a time outside it", {
        moment: `${match[1]}-${match[2]}-${match[3]} ${pad(hour)}:${pad(minute)}`,
        zone,
      }),
    );
  }
  return { ms: found[0], ambiguous: found.length > 1, offsetGiven: false, second: found[1] ?? null };
}

/** The instant of a typed time (see readLocal). */
export function parseLocal(text, zone = siteZone) {
  return readLocal(text, zone).ms;
}

// ------------------------------------------------------------------ ticks on a time axis

/** The next instant after `ms` whose wall clock in `zone` is a whole multiple of `step`
 * (at most an hour) since midnight. */
function alignedAfter(ms, step, zone) {
  const offset = offsetMinutes(ms, zone) * MINUTE;
  const local = ms + offset;
  const next = Math.floor(local / step) * step + step;
  const candidate = next - offset;
  // An offset change between `ms` and the candidate (the clocks moved): align again after it.
  const after = offsetMinutes(candidate, zone) * MINUTE;
  if (after === offset) return candidate;
  const again = Math.floor((candidate + after) / step) * step - after;
  return again > ms ? again : candidate;
}

/** The first local day boundary at or after `ms`, as { year, month, day }. */
function dayAtOrAfter(ms, zone) {
  const day = readDate(localDate(ms, zone));
  return dayBounds(day, zone)[0] >= ms ? day : nextDay(day);
}

/** Whole days since 1970-01-01 of a calendar day. */
function dayNumber(day) {
  return Math.round(wallMs(day) / DAY);
}

/**
 * The instants in [start, end] where a time axis puts a tick every `step` milliseconds of
 * LOCAL time in `zone`: steps up to an hour fall on whole minutes and hours of the wall
 * clock (the repeated hour in October gets its ticks twice, the skipped hour in March
 * none); steps of hours fall on hours that are multiples of the step; steps of days on
 * local midnights (weeks on Mondays); steps of months (`months` set) on the first of the
 * month. At most `limit` ticks.
 */
export function localTicks(start, end, step, zone = siteZone, { months = 0, limit = 2000 } = {}) {
  const ticks = [];
  if (!(end >= start) || !(step > 0 || months > 0)) return ticks;
  if (months > 0) {
    let { year, month } = wallClock(start, zone);
    month -= (month - 1) % months;
    while (ticks.length < limit) {
      const ms = firstAtOrAfter({ year, month, day: 1 }, zone);
      if (ms > end) break;
      if (ms >= start) ticks.push(ms);
      month += months;
      while (month > 12) {
        month -= 12;
        year += 1;
      }
    }
    return ticks;
  }
  if (step >= DAY) {
    const every = Math.max(1, Math.round(step / DAY));
    const shift = every === 7 ? 3 : 0; // 1970-01-01 was a Thursday: weeks start on Monday
    for (let day = dayAtOrAfter(start, zone); ticks.length < limit; day = nextDay(day)) {
      const ms = dayBounds(day, zone)[0];
      if (ms > end) break;
      if ((dayNumber(day) + shift) % every === 0) ticks.push(ms);
    }
    return ticks;
  }
  const onStep = (ms, every) => wallMs(wallClock(ms, zone)) % every === 0;
  if (step > HOUR) {
    const every = Math.round(step / HOUR);
    for (let ms = onStep(start, HOUR) ? start : alignedAfter(start, HOUR, zone); ms <= end; ms = alignedAfter(ms, HOUR, zone)) {
      if (wallClock(ms, zone).hour % every === 0) ticks.push(ms);
      if (ticks.length >= limit) break;
    }
    return ticks;
  }
  for (let ms = onStep(start, step) ? start : alignedAfter(start, step, zone); ms <= end; ms = alignedAfter(ms, step, zone)) {
    ticks.push(ms);
    if (ticks.length >= limit) break;
  }
  return ticks;
}

/**
 * The labels of ticks every `step` ms (or every `months` months): { ms, label, offset }.
 * Times of day read "02:30" ("02:30:15" under a minute), a local midnight reads as its
 * date ("25 okt"), days and months in words of `lang`. `offset` is "+02:00" or "+01:00"
 * where the wall-clock time happens twice, else "".
 */
export function labelTicks(ticks, step, { zone = siteZone, lang = pageLanguage, months = 0 } = {}) {
  return ticks.map((ms) => {
    let label;
    const wall = wallClock(ms, zone);
    if (months > 0) label = formatInstant(ms, { zone, lang, year: "numeric", month: "short" });
    else if (step >= DAY || (step >= MINUTE && wall.hour === 0 && wall.minute === 0)) {
      label = formatInstant(ms, { zone, lang, day: "numeric", month: "short" });
    } else label = formatTime(ms, { zone, seconds: step < MINUTE });
    const offset = step < DAY && months === 0 && isAmbiguous(ms, zone) ? formatOffset(offsetMinutes(ms, zone)) : "";
    return { ms, label, offset };
  });
}

/** The hour ticks of local day `date`, every `every` hours, labelled (see labelTicks): on
 * 25 October 2026 in Brussels 02:00 comes twice, once "+02:00" and once "+01:00". */
export function hourTicks(date, zone = siteZone, { every = 1, lang = pageLanguage } = {}) {
  const [start, end] = dayBounds(date, zone);
  const ticks = localTicks(start, end - 1, every * HOUR, zone);
  return labelTicks(ticks, every * HOUR, { zone, lang });
}
