// The camera groups of the video wall: the organisation's groups narrow the camera tree,
// fill the wall, or give a tour its cameras. Each camera of the tree (/api/live/cameras)
// names the groups that hold it; a group's member the viewer may not watch is not in the
// tree, so it is never offered. Pure functions, tested with `node --test tests/js/`.

/** The cameras of `cameras` (tree order) that group `group` holds; all of them for "". */
export function inGroup(cameras, group) {
  const all = [...cameras];
  return group ? all.filter((camera) => (camera.groups || []).includes(group)) : all;
}

/** The groups to offer, in the order given (by name), each with how many tree cameras it holds. */
export function groupChoices(groups, cameras) {
  const all = [...cameras];
  return groups.map((group) => ({ name: group.name, count: inGroup(all, group.name).length }));
}

/**
 * What each of `tiles` tiles shows when the wall is filled with `cameraIds`: the first
 * `tiles` of them in order, then null (an empty tile) when there are fewer.
 */
export function fillTiles(cameraIds, tiles) {
  return Array.from({ length: tiles }, (_unused, index) => cameraIds[index] ?? null);
}
