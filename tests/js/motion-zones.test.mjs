// The motion zones' text and drawing (static/motion-zones.js), run with `node --test tests/js/`:
// reading the form's lines, writing them back, a drag that stays inside the picture, and
// which zone a click lands on.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { dragZone, formatZones, parseZones, zoneAt } from "../../src/belfort/web/static/motion-zones.js";

describe("parseZones", () => {
  test("reads one rectangle a line, with a decimal comma or semicolons", () => {
    assert.deepEqual(parseZones("10 20 30 40\n 0;0;50;12,5 \n"), [
      [10, 20, 30, 40],
      [0, 0, 50, 12.5],
    ]);
  });
  test("leaves out what is not four numbers", () => {
    assert.deepEqual(parseZones("10 20 30\nten 20 30 40\n\n1 2 3 4 5\n5 5 5 5"), [[5, 5, 5, 5]]);
  });
});

describe("formatZones", () => {
  test("writes a tenth of a percent, one zone a line, and reads back the same", () => {
    const text = formatZones([
      [33.333, 0, 66.667, 100],
      [1, 2.25, 3, 4],
    ]);
    assert.equal(text, "33.3 0 66.7 100\n1 2.3 3 4");
    assert.deepEqual(parseZones(text), [
      [33.3, 0, 66.7, 100],
      [1, 2.3, 3, 4],
    ]);
  });
});

describe("dragZone", () => {
  test("any direction gives the same rectangle", () => {
    assert.deepEqual(dragZone([60, 70], [10, 20]), [10, 20, 50, 50]);
    assert.deepEqual(dragZone([10, 70], [60, 20]), [10, 20, 50, 50]);
  });
  test("never reaches past the picture's edge, even after rounding", () => {
    const [x, y, width, height] = dragZone([33.35, -5], [130, 100.04]);
    assert.ok(x + width <= 100 + 1e-9 && y + height <= 100 + 1e-9);
    assert.equal(y, 0);
  });
  test("a click is not a zone", () => {
    assert.equal(dragZone([40, 40], [40.5, 60]), null);
  });
});

describe("zoneAt", () => {
  test("finds the topmost zone under the point, or none", () => {
    const zones = [
      [0, 0, 50, 50],
      [25, 25, 50, 50],
    ];
    assert.equal(zoneAt(zones, [30, 30]), 1);
    assert.equal(zoneAt(zones, [10, 10]), 0);
    assert.equal(zoneAt(zones, [90, 90]), -1);
  });
});
