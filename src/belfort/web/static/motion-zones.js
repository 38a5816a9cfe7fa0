// Motion zones as the camera form holds them: one rectangle a line, "left top width height"
// in percent of the picture. Pure functions for the drawing on the camera's edit page
// (motion-zones-page.js), tested with `node --test tests/js/`. The server reads the text
// and decides what is valid; a line these functions cannot read is simply not drawn.

/** The rectangles of `text` that read as four numbers (a decimal comma accepted), in percent. */
export function parseZones(text) {
  const zones = [];
  for (const line of text.split("\n")) {
    const parts = line.replaceAll(";", " ").trim().split(/\s+/).filter(Boolean);
    if (parts.length !== 4) continue;
    const numbers = parts.map((part) => Number(part.replace(",", ".")));
    if (numbers.every((n) => Number.isFinite(n))) zones.push(numbers);
  }
  return zones;
}

function tenth(value) {
  return Math.round(value * 10) / 10;
}

/** `zones` as the form's text, to a tenth of a percent. */
export function formatZones(zones) {
  return zones.map((zone) => zone.map((value) => String(tenth(value))).join(" ")).join("\n");
}

/**
 * The rectangle dragged from point `from` to point `to` (each [x, y] in percent, clamped to
 * the picture), to a tenth of a percent and never past the picture's edge; null when it is
 * thinner than `least` percent either way (a click, not a drag).
 */
export function dragZone(from, to, least = 1) {
  const clamp = (value) => Math.min(100, Math.max(0, value));
  const [left, right] = [clamp(Math.min(from[0], to[0])), clamp(Math.max(from[0], to[0]))].map(tenth);
  const [top, bottom] = [clamp(Math.min(from[1], to[1])), clamp(Math.max(from[1], to[1]))].map(tenth);
  if (right - left < least || bottom - top < least) return null;
  return [left, top, tenth(right - left), tenth(bottom - top)];
}

/** The index of the last (topmost) zone holding `point` ([x, y] in percent), or -1. */
export function zoneAt(zones, point) {
  for (let index = zones.length - 1; index >= 0; index--) {
    const [x, y, width, height] = zones[index];
    if (point[0] >= x && point[0] <= x + width && point[1] >= y && point[1] <= y + height) return index;
  }
  return -1;
}
