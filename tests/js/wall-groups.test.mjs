// The wall's camera groups (static/wall-groups.js), run with `node --test tests/js/`: which
// cameras a group narrows the tree to, what the group choice offers, how a group fills tiles.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { fillTiles, groupChoices, inGroup } from "../../src/belfort/web/static/wall-groups.js";

const CAMERAS = [
  { id: "a", name: "Station square", groups: ["Centre", "Grote Markt"] },
  { id: "b", name: "Harbour gate", groups: [] },
  { id: "c", name: "Shop door", groups: ["Grote Markt"] },
  { id: "d", name: "Old client" },
];

describe("inGroup", () => {
  test("keeps the group's cameras in the tree's order", () => {
    assert.deepEqual(
      inGroup(CAMERAS, "Grote Markt").map((c) => c.id),
      ["a", "c"],
    );
    assert.deepEqual(
      inGroup(CAMERAS, "Centre").map((c) => c.id),
      ["a"],
    );
  });
  test("no group: every camera; an unknown group: none", () => {
    assert.equal(inGroup(CAMERAS, "").length, 4);
    assert.deepEqual(inGroup(CAMERAS, "Nowhere"), []);
  });
  test("reads any iterable, such as a Map's values", () => {
    const byId = new Map(CAMERAS.map((c) => [c.id, c]));
    assert.deepEqual(
      inGroup(byId.values(), "Grote Markt").map((c) => c.id),
      ["a", "c"],
    );
  });
});

describe("groupChoices", () => {
  test("every group, with the cameras of it in the tree, also when none", () => {
    const groups = [{ name: "Centre" }, { name: "Empty" }, { name: "Grote Markt" }];
    assert.deepEqual(groupChoices(groups, CAMERAS), [
      { name: "Centre", count: 1 },
      { name: "Empty", count: 0 },
      { name: "Grote Markt", count: 2 },
    ]);
  });
});

describe("fillTiles", () => {
  test("the first cameras, one a tile, when the group has more than the wall", () => {
    assert.deepEqual(fillTiles(["a", "b", "c", "d", "e"], 4), ["a", "b", "c", "d"]);
  });
  test("empty tiles after the group's last camera", () => {
    assert.deepEqual(fillTiles(["a", "c"], 4), ["a", "c", null, null]);
    assert.deepEqual(fillTiles([], 1), [null]);
  });
});
