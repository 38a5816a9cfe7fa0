// The video wall: a camera tree, tiles in seven layouts (up to 6x6 for a 4K screen), saved
// layouts, tours, shortcuts. Everything is reachable from the keyboard: the selected tile
// holds the focus, arrows move it, and the page's markup (<template>s) is cloned, never
// written as HTML here.
//
// A camera reaches a tile in at most two clicks: select a tile, click a camera (or drag
// the camera onto the tile). Each tile runs its own LivePlayer; every stream carries the
// purpose stated for the shift, which the page asks for once per sign-in. Until it is
// stated no stream is opened: tiles wait. Every stream opened is an audit record, so a
// tile is reconnected only when its camera (or the purpose) changes.

import { HitsPanel } from "./anpr-hits.js";
import { api } from "./api.js";
import { purposeOf } from "./incident.js";
import { _, ngettext } from "./i18n.js";
import { LivePlayer } from "./live.js";
import { fillTiles, groupChoices, inGroup } from "./wall-groups.js";
import { WallPlayback } from "./wall-playback.js";

// The layouts the page offers: name -> { tiles, columns }, in the order of the keys 1, 2, …
const LAYOUTS = new Map(
  [...document.querySelectorAll(".layouts [data-layout]")].map((b) => [
    b.dataset.layout,
    { tiles: Number(b.dataset.tiles), columns: Number(b.dataset.columns) },
  ]),
);
const ORDER = [...LAYOUTS.keys()];

const page = document.getElementById("wall-page");
const csrf = page.dataset.csrf;
const wall = document.getElementById("wall");
const tree = document.getElementById("camera-tree");
const search = document.getElementById("camera-search");
const groupFilter = document.getElementById("camera-group");
const groupToWall = document.getElementById("group-to-wall");
const tourSource = document.getElementById("tour-source");
const message = document.getElementById("wall-message");
const purposeDialog = document.getElementById("purpose-dialog");
const purposeForm = document.getElementById("purpose-form");
const helpDialog = document.getElementById("help-dialog");
const WAITING = _("Waiting for the shift's purpose");
const STATES = {
  online: _("LIVE"),
  offline: _("OFFLINE"),
  connecting: _("CONNECTING"),
  reconnecting: _("RECONNECTING"),
  refused: _("REFUSED"),
  starting: _("STARTING"),
  stopped: _("STOPPED"),
  waiting: _("WAITING"),
  paused: _("PAUSED"),
};
const CAMERA = _("Camera");

// From an incident ("On the wall" on /incidents): ?incident=<id> opens the wall with the
// incident's cameras whose live view holds, each watched for the incident's purpose instead of
// the shift's. Both come from the server's incident, never from the link itself.
let incidentCameras = [];
let incidentPurpose = null;
const incidentRef = new URLSearchParams(location.search).get("incident");
if (incidentRef) {
  try {
    const incident = await api("/api/incidents/" + encodeURIComponent(incidentRef));
    incidentCameras = incident.cameras.filter((camera) => !camera.ended).map((camera) => camera.id).slice(0, 36);
    incidentPurpose = purposeOf(incident);
  } catch (error) {
    say(error.message, true);
  }
}

const state = {
  layout: "2x2",
  tiles: [],
  selected: 0,
  cameras: new Map(),
  groups: [],
  purpose: null,
  tour: null,
  layouts: [],
  tours: [],
};

function say(text, isError = false) {
  message.textContent = text;
  message.classList.toggle("error", isError);
}

// The page's markup for what this script adds: tiles, the camera tree, tours.
const TEMPLATES = {
  tile: document.getElementById("tile-template"),
  group: document.getElementById("tree-group-template"),
  camera: document.getElementById("tree-camera-template"),
  tour: document.getElementById("tour-template"),
};

/** A copy of one of the page's templates (`TEMPLATES`): its first element. */
function clone(name) {
  return TEMPLATES[name].content.firstElementChild.cloneNode(true);
}

/** Mark `element` with `state-NAME`, dropping the state it showed before. */
function showState(element, name) {
  for (const old of [...element.classList]) if (old.startsWith("state-")) element.classList.remove(old);
  element.classList.add(`state-${name}`);
}

// ---------------------------------------------------------------- tiles

function makeTile(index) {
  const el = clone("tile");
  el.dataset.index = String(index);
  el.querySelector(".tile-number").textContent = String(index + 1);
  const tile = {
    el,
    index,
    video: el.querySelector("video"),
    cameraId: null,
    player: null,
  };
  el.addEventListener("click", (event) => {
    if (event.target.closest(".tile-close")) {
      clearTile(index);
      return;
    }
    select(index);
  });
  el.addEventListener("dblclick", () => toggleMaximize(index));
  el.addEventListener("focus", () => select(index));
  el.addEventListener("dragover", (event) => {
    if (event.dataTransfer.types.includes("text/x-belfort-camera")) {
      event.preventDefault();
      el.classList.add("drop");
    }
  });
  el.addEventListener("dragleave", () => el.classList.remove("drop"));
  el.addEventListener("drop", (event) => {
    event.preventDefault();
    el.classList.remove("drop");
    const cameraId = event.dataTransfer.getData("text/x-belfort-camera");
    if (cameraId) {
      select(index);
      setTile(index, cameraId);
    }
  });
  return tile;
}

function buildWall(layout, cameraIds) {
  if (!LAYOUTS.has(layout)) layout = "2x2";
  playback.exit();
  stopTour();
  const keep = cameraIds || state.tiles.map((t) => t.cameraId);
  state.tiles.forEach((t) => t.player && t.player.stop());
  wall.replaceChildren();
  wall.dataset.layout = layout;
  wall.classList.remove("maximized");
  state.layout = layout;
  state.tiles = [];
  for (let i = 0; i < LAYOUTS.get(layout).tiles; i++) {
    const tile = makeTile(i);
    state.tiles.push(tile);
    wall.appendChild(tile.el);
    if (keep[i]) setTile(i, keep[i]);
    else renderTile(tile, null);
  }
  document.querySelectorAll(".layouts [data-layout]").forEach((b) => {
    b.classList.toggle("current", b.dataset.layout === layout);
    b.setAttribute("aria-pressed", String(b.dataset.layout === layout));
  });
  select(Math.min(state.selected, state.tiles.length - 1));
}

function renderTile(tile, info) {
  const camera = tile.cameraId ? state.cameras.get(tile.cameraId) : null;
  tile.el.classList.toggle("empty", !tile.cameraId);
  tile.el.dataset.camera = tile.cameraId || "";
  tile.el.querySelector(".tile-name").textContent = camera ? cameraTitle(camera) : tile.cameraId ? CAMERA : "";
  if (info && info.state !== undefined) {
    tile.el.dataset.state = info.state;
    const badge = tile.el.querySelector(".tile-state");
    badge.textContent = STATES[info.state] || info.state.toUpperCase();
    showState(badge, info.state);
    badge.title = info.reason || "";
  }
  tile.el.setAttribute("aria-label", tileLabel(tile, camera));
  if (!tile.cameraId) {
    tile.el.dataset.state = "";
    tile.el.querySelector(".tile-state").textContent = "";
    tile.el.querySelector(".tile-purpose").textContent = "";
    tile.el.querySelector(".tile-lag").textContent = "";
  }
}

/** What a tile is called for a screen reader: "Tile 3: Havermarkt, LIVE" or "Tile 3: empty". */
function tileLabel(tile, camera) {
  const number = tile.index + 1;
  if (!tile.cameraId) return _("Tile {number}: empty", { number });
  const state = tile.el.querySelector(".tile-state").textContent;
  return _("Tile {number}: {camera}, {state}", { number, camera: camera ? camera.name : CAMERA, state });
}

function setTile(index, cameraId) {
  const tile = state.tiles[index];
  if (!tile) return;
  if (tile.player) tile.player.stop();
  tile.player = null;
  tile.cameraId = cameraId;
  tile.video.removeAttribute("src");
  const purposeLine = tile.el.querySelector(".tile-purpose");
  const own = incidentPurpose && incidentCameras.includes(cameraId) ? incidentPurpose : null;
  if (!state.purpose && !own) {
    renderTile(tile, { state: "waiting", reason: WAITING });
    purposeLine.textContent = WAITING;
    askPurpose();
    return;
  }
  purposeLine.textContent = "";
  renderTile(tile, { state: "connecting", reason: "" });
  tile.player = new LivePlayer(tile.video, cameraId, {
    hello: (hello) => {
      purposeLine.textContent = describePurpose(hello.purpose);
      purposeLine.title = purposeLine.textContent;
    },
    state: (info) => renderTile(tile, info),
    error: (error) => {
      renderTile(tile, { state: "refused", reason: error.detail });
      purposeLine.textContent = error.detail;
      if (error.needs && error.needs.includes("purpose")) {
        state.purpose = null; // withdrawn or expired: the next tiles wait instead of being refused
        showPurpose();
        askPurpose();
      }
    },
  }, own);
}

/** Put `cameraId` on a tile unless it already shows it: a stream is opened only for a change. */
function showCamera(index, cameraId) {
  const tile = state.tiles[index];
  if (tile && tile.cameraId === cameraId && tile.player) return;
  setTile(index, cameraId);
}

function clearTile(index) {
  const tile = state.tiles[index];
  if (!tile) return;
  if (tile.player) tile.player.stop();
  tile.player = null;
  tile.cameraId = null;
  tile.video.removeAttribute("src");
  tile.video.load();
  renderTile(tile, null);
}

function select(index, { focus = false } = {}) {
  state.selected = index;
  state.tiles.forEach((t) => {
    t.el.classList.toggle("selected", t.index === index);
    t.el.tabIndex = t.index === index ? 0 : -1; // one tab stop for the wall: the selected tile
  });
  if (focus && state.tiles[index]) state.tiles[index].el.focus();
}

function toggleMaximize(index) {
  const tile = state.tiles[index];
  if (!tile) return;
  const already = tile.el.classList.contains("maximized");
  state.tiles.forEach((t) => t.el.classList.remove("maximized"));
  wall.classList.toggle("maximized", !already);
  if (!already) tile.el.classList.add("maximized");
}

function moveSelection(dx, dy) {
  const columns = LAYOUTS.get(state.layout).columns;
  const count = state.tiles.length;
  let next = state.selected + dx + dy * columns;
  if (next < 0) next = 0;
  if (next >= count) next = count - 1;
  select(next, { focus: Boolean(document.activeElement && document.activeElement.closest(".tile")) });
}

function placeCamera(cameraId) {
  playback.exit();
  const index = state.selected;
  setTile(index, cameraId);
  select(index);
}

// ---------------------------------------------------------------- camera tree

async function loadCameras() {
  let cameras;
  let groups;
  try {
    // A failure to read the groups leaves the tree whole, only without its group choice.
    [cameras, groups] = await Promise.all([api("/api/live/cameras"), api("/api/live/groups").catch(() => null)]);
  } catch (error) {
    say(_("Could not load the cameras: {reason}", { reason: error.message }), true);
    return;
  }
  state.cameras = new Map(cameras.map((c) => [c.id, c]));
  if (groups) state.groups = groups;
  renderGroups();
  renderTree();
  state.tiles.forEach((t) => {
    const camera = t.cameraId && state.cameras.get(t.cameraId);
    if (t.cameraId) t.el.querySelector(".tile-name").textContent = camera ? cameraTitle(camera) : CAMERA;
  });
}

/** A camera's name, with its owner's when another organisation's grant opens it ("Cam 3 · Shop"). */
function cameraTitle(camera) {
  return camera.shared ? `${camera.name} · ${camera.organisation}` : camera.name;
}

/** The group choices (tree filter and tour source) after the cameras or groups changed. */
function renderGroups() {
  const choices = groupChoices(state.groups, state.cameras.values());
  for (const [select, first] of [
    [groupFilter, _("All cameras")],
    [tourSource, _("The wall's cameras")],
  ]) {
    const chosen = select.value;
    select.replaceChildren(new Option(first, ""));
    for (const { name, count } of choices) select.appendChild(new Option(`${name} (${count})`, name));
    select.value = choices.some((c) => c.name === chosen) ? chosen : "";
  }
  groupFilter.closest(".group-filter").hidden = !choices.length;
  tourSource.closest("label").hidden = !choices.length;
  groupToWall.disabled = !groupFilter.value;
}

/** The ids of the chosen group's cameras the viewer may watch, in the tree's order. */
function groupCameraIds(group) {
  return inGroup(state.cameras.values(), group).map((camera) => camera.id);
}

/** Fill the wall's tiles with the chosen group's first cameras, one a tile; tiles left over are cleared. */
function showGroupOnWall() {
  const group = groupFilter.value;
  if (!group) return;
  const ids = groupCameraIds(group);
  if (!ids.length) return say(_("Group '{group}' has no camera you may watch.", { group }), true);
  playback.exit();
  stopTour();
  fillTiles(ids, state.tiles.length).forEach((cameraId, index) =>
    cameraId ? showCamera(index, cameraId) : clearTile(index),
  );
  select(0);
  const values = { group, shown: state.tiles.length, count: ids.length };
  say(
    ids.length > state.tiles.length
      ? _("Group '{group}' on the wall: its first {shown} of {count} cameras.", values)
      : ngettext("Group '{group}' on the wall: {count} camera.", "Group '{group}' on the wall: {count} cameras.", ids.length, values),
  );
}

function renderTree() {
  const needle = search.value.trim().toLowerCase();
  const group = groupFilter.value;
  const groups = new Map();
  for (const camera of inGroup(state.cameras.values(), group)) {
    const haystack = `${camera.name} ${camera.street} ${camera.area} ${camera.organisation}`.toLowerCase();
    if (needle && !haystack.includes(needle)) continue;
    const org = groups.get(camera.organisation) || new Map();
    const area = camera.area || _("No area");
    org.set(area, [...(org.get(area) || []), camera]);
    groups.set(camera.organisation, org);
  }
  tree.replaceChildren();
  if (!groups.size) {
    const empty = document.createElement("p");
    empty.classList.add("muted", "small");
    empty.textContent = needle
      ? _("No camera matches.")
      : group
        ? _("No camera of group '{group}' you may watch.", { group })
        : _("No cameras you may watch.");
    tree.appendChild(empty);
    return;
  }
  for (const [organisation, areas] of groups) {
    const details = clone("group");
    details.querySelector("summary").textContent = organisation;
    for (const [area, cameras] of areas) {
      const heading = document.createElement("div");
      heading.classList.add("tree-area");
      heading.textContent = area;
      details.appendChild(heading);
      for (const camera of cameras) {
        const button = clone("camera");
        button.dataset.camera = camera.id;
        const where = { camera: camera.name, street: camera.street, state: cameraState(camera.state) };
        button.title = camera.street ? _("{camera}, {street} ({state})", where) : _("{camera} ({state})", where);
        button.querySelector(".dot").classList.add(`state-${camera.state.replace(/ /g, "-")}`);
        button.querySelector(".cam-name").textContent = cameraTitle(camera);
        button.classList.toggle("shared", Boolean(camera.shared));
        button.querySelector(".cam-street").textContent = camera.street;
        button.addEventListener("click", () => placeCamera(camera.id));
        button.addEventListener("dragstart", (event) => {
          event.dataTransfer.setData("text/x-belfort-camera", camera.id);
          event.dataTransfer.effectAllowed = "copy";
        });
        details.appendChild(button);
      }
    }
    tree.appendChild(details);
  }
}

/** A camera's recording state in words. */
function cameraState(value) {
  return { online: _("online"), offline: _("offline"), connecting: _("connecting") }[value] || value;
}

// ---------------------------------------------------------------- purpose

/** A stated purpose in words: "administrative: Virtual patrol around the station". */
function describePurpose(purpose) {
  const kind = purpose.kind === "judicial" ? _("judicial") : _("administrative");
  return _("{kind}: {justification}", { kind, justification: purpose.justification });
}

function showPurpose() {
  const text = document.getElementById("purpose-text");
  text.textContent = state.purpose
    ? _("Purpose: {purpose}", { purpose: describePurpose(state.purpose) })
    : _("No purpose stated");
  text.classList.toggle("error", !state.purpose);
  text.classList.remove("muted");
}

function askPurpose() {
  if (!purposeDialog.open) purposeDialog.showModal();
}

async function loadPurpose() {
  try {
    const purpose = await api("/api/live/purpose");
    state.purpose = purpose.stated ? purpose : null;
  } catch (error) {
    say(error.message, true);
  }
  showPurpose();
  if (!state.purpose && !incidentCameras.length) askPurpose();
}

purposeForm.addEventListener("change", () => {
  document.getElementById("legal-ref-label").hidden = purposeForm.elements.kind.value !== "judicial";
});

purposeForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = purposeForm.elements;
  const errorLine = document.getElementById("purpose-error");
  try {
    const purpose = await api("/api/live/purpose", {
      method: "PUT",
      csrf,
      body: {
        kind: form.kind.value,
        justification: form.justification.value,
        legal_basis_ref: form.legal_basis_ref.value,
      },
    });
    state.purpose = purpose;
    errorLine.textContent = "";
    purposeDialog.close();
    showPurpose();
    state.tiles.forEach((t) => t.cameraId && setTile(t.index, t.cameraId));
  } catch (error) {
    errorLine.textContent = error.message;
  }
});

document.getElementById("change-purpose").addEventListener("click", () => {
  if (state.purpose) {
    purposeForm.elements.justification.value = state.purpose.justification;
  }
  askPurpose();
});

// ---------------------------------------------------------------- saved layouts

async function loadLayouts(applyDefault) {
  try {
    state.layouts = await api("/api/wall/layouts");
  } catch (error) {
    say(_("Could not load saved layouts: {reason}", { reason: error.message }), true);
    state.layouts = [];
  }
  const select = document.getElementById("saved-layouts");
  select.replaceChildren(new Option(_("Saved layouts…"), ""));
  for (const layout of state.layouts) {
    const label = _("{name} ({layout})", { name: layout.name, layout: layout.layout });
    select.appendChild(new Option(layout.is_default ? `${label} ★` : label, layout.name));
  }
  const preferred = applyDefault ? state.layouts.find((l) => l.is_default) : null;
  if (preferred) buildWall(preferred.layout, preferred.tiles);
  else if (applyDefault) buildWall("2x2", []);
}

async function saveLayout() {
  const name = window.prompt(_("Save this wall as (it opens with the wall next time):"), _("My wall"));
  if (!name) return;
  try {
    await api("/api/wall/layouts/" + encodeURIComponent(name), {
      method: "PUT",
      csrf,
      body: { layout: state.layout, tiles: state.tiles.map((t) => t.cameraId), is_default: true },
    });
    say(_("Layout '{name}' saved; the wall opens with it.", { name }));
    await loadLayouts(false);
  } catch (error) {
    say(error.message, true);
  }
}

document.getElementById("saved-layouts").addEventListener("change", (event) => {
  const layout = state.layouts.find((l) => l.name === event.target.value);
  if (layout) buildWall(layout.layout, layout.tiles);
});
document.getElementById("save-layout").addEventListener("click", saveLayout);
document.getElementById("delete-layout").addEventListener("click", async () => {
  const name = document.getElementById("saved-layouts").value;
  if (!name) return say(_("Choose a saved layout to delete first."), true);
  try {
    await api("/api/wall/layouts/" + encodeURIComponent(name), { method: "DELETE", csrf });
    say(_("Layout '{name}' deleted.", { name }));
    await loadLayouts(false);
  } catch (error) {
    say(error.message, true);
  }
});

// ---------------------------------------------------------------- tours

async function loadTours() {
  try {
    state.tours = await api("/api/wall/tours");
  } catch (error) {
    say(_("Could not load tours: {reason}", { reason: error.message }), true);
    state.tours = [];
  }
  const list = document.getElementById("tour-list");
  list.replaceChildren();
  for (const tour of state.tours) {
    const item = clone("tour");
    item.querySelector(".tour-name").textContent = tour.name;
    item.querySelector(".tour-meta").textContent = ngettext(
      "{count} camera, {seconds} s",
      "{count} cameras, {seconds} s",
      tour.cameras.length,
      { seconds: tour.dwell_seconds },
    );
    item.querySelectorAll("[data-mode]").forEach((b) => b.addEventListener("click", () => startTour(tour, b.dataset.mode)));
    item.querySelector("[data-delete]").addEventListener("click", async () => {
      try {
        await api("/api/wall/tours/" + encodeURIComponent(tour.name), { method: "DELETE", csrf });
        await loadTours();
      } catch (error) {
        say(error.message, true);
      }
    });
    list.appendChild(item);
  }
}

/**
 * Show a tour on the selected tile ("tile") or on the whole wall ("wall"). A tour with no
 * more cameras than its places is shown once and stays; a longer one moves on a page of
 * cameras every dwell, and only tiles whose camera changes get a new stream.
 */
function startTour(tour, mode) {
  playback.exit();
  stopTour();
  const cameras = tour.cameras;
  const tileIndex = state.selected;
  const places = mode === "tile" ? 1 : state.tiles.length;
  const show = (step) => {
    for (let k = 0; k < Math.min(places, cameras.length); k++) {
      showCamera(mode === "tile" ? tileIndex : k, cameras[(step * places + k) % cameras.length]);
    }
  };
  const values = { name: tour.name, tile: tileIndex + 1, seconds: tour.dwell_seconds };
  show(0);
  const status = document.getElementById("tour-status");
  if (cameras.length <= places) {
    status.textContent =
      mode === "tile"
        ? _("Tour '{name}' on tile {tile}: every camera is on screen, so it does not rotate", values)
        : _("Tour '{name}' on the wall: every camera is on screen, so it does not rotate", values);
    return;
  }
  let step = 1;
  state.tour = setInterval(() => show(step++), tour.dwell_seconds * 1000);
  status.textContent =
    mode === "tile"
      ? _("Tour '{name}' on tile {tile}, every {seconds} s (T stops)", values)
      : _("Tour '{name}' on the wall, every {seconds} s (T stops)", values);
}

function stopTour() {
  if (state.tour) clearInterval(state.tour);
  state.tour = null;
  document.getElementById("tour-status").textContent = "";
}

document.getElementById("tour-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target.elements;
  const group = form.source.value;
  const cameras = group ? groupCameraIds(group) : state.tiles.map((t) => t.cameraId).filter(Boolean);
  if (group && !cameras.length) return say(_("Group '{group}' has no camera you may watch.", { group }), true);
  if (!cameras.length) return say(_("Put the tour's cameras on the wall first, in the order to visit them."), true);
  try {
    await api("/api/wall/tours/" + encodeURIComponent(form.name.value), {
      method: "PUT",
      csrf,
      body: { cameras, dwell_seconds: Number(form.dwell.value) },
    });
    say(ngettext("Tour '{name}' saved with {count} camera.", "Tour '{name}' saved with {count} cameras.", cameras.length, {
      name: form.name.value,
    }));
    event.target.reset();
    await loadTours();
  } catch (error) {
    say(error.message, true);
  }
});

// ---------------------------------------------------------------- playback

const playback = new WallPlayback({
  csrf,
  tiles: () => state.tiles,
  cameraName: (id) => (state.cameras.get(id) || { name: CAMERA }).name,
  purpose: () => state.purpose,
  say,
  onEnter: (chosen) => {
    stopTour();
    for (const tile of state.tiles) {
      if (tile.player) tile.player.stop();
      tile.player = null;
      if (tile.cameraId && !chosen.includes(tile)) {
        tile.video.removeAttribute("src");
        tile.video.load();
        const reason = ngettext(
          "Live is paused during the playback of {count} camera",
          "Live is paused during the playback of {count} cameras",
          chosen.length,
        );
        renderTile(tile, { state: "paused", reason });
      }
    }
    document.getElementById("playback-button").classList.add("current");
    document.getElementById("playback-button").setAttribute("aria-pressed", "true");
  },
  onExit: () => {
    document.getElementById("playback-button").classList.remove("current");
    document.getElementById("playback-button").setAttribute("aria-pressed", "false");
    state.tiles.forEach((t) => t.cameraId && setTile(t.index, t.cameraId));
  },
});

document.getElementById("playback-button").addEventListener("click", () =>
  playback.active ? playback.exit() : playback.enter(),
);

// ---------------------------------------------------------------- keyboard

// In the search box: Enter puts the first match on the selected tile; Esc leaves the
// search, clearing the filter (the browser's own clearing fires no input event), and
// gives the keys back to the wall.
const SEARCH_KEYS = {
  Enter: () => {
    const first = tree.querySelector(".tree-camera");
    if (first) placeCamera(first.dataset.camera);
  },
  Escape: (event) => {
    event.preventDefault();
    search.value = "";
    renderTree();
    search.blur();
  },
};
const togglePlayback = () => (playback.active ? playback.exit() : playback.enter());
const PLAYBACK_KEYS = {
  " ": () => playback.togglePlay(),
  ",": () => playback.step(-1),
  ".": () => playback.step(1),
  l: () => playback.exit(),
  L: () => playback.exit(),
};
const WALL_KEYS = {
  ArrowLeft: () => moveSelection(-1, 0),
  ArrowRight: () => moveSelection(1, 0),
  ArrowUp: () => moveSelection(0, -1),
  ArrowDown: () => moveSelection(0, 1),
  Enter: () => toggleMaximize(state.selected),
  f: () => toggleMaximize(state.selected),
  F: () => toggleMaximize(state.selected),
  Escape: () => wall.classList.contains("maximized") && toggleMaximize(state.selected),
  Delete: () => clearTile(state.selected),
  Backspace: () => clearTile(state.selected),
  "/": () => search.focus(),
  s: saveLayout,
  S: saveLayout,
  t: stopTour,
  T: stopTour,
  p: togglePlayback,
  P: togglePlayback,
  "?": () => helpDialog.showModal(),
};
const ACTIVATING = { " ": true, Enter: true };

document.addEventListener("keydown", (event) => {
  if (purposeDialog.open || helpDialog.open) return;
  if (event.target.closest("input, textarea, select")) {
    if (event.target === search && SEARCH_KEYS[event.key]) SEARCH_KEYS[event.key](event);
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  // Space and Enter act on the button, link or timeline that has the focus.
  if (ACTIVATING[event.key] && event.target.closest("button, a, summary, canvas")) return;
  const key = event.key;
  const layout = /^[1-9]$/.test(key) ? ORDER[Number(key) - 1] : undefined;
  const action = (playback.active && PLAYBACK_KEYS[key]) || WALL_KEYS[key] || (layout && (() => buildWall(layout)));
  if (!action) return;
  event.preventDefault();
  action();
});

// ---------------------------------------------------------------- start

document.querySelectorAll(".layouts [data-layout]").forEach((button) => {
  button.addEventListener("click", () => buildWall(button.dataset.layout));
});
document.getElementById("help-button").addEventListener("click", () => helpDialog.showModal());
search.addEventListener("input", renderTree);
groupFilter.addEventListener("change", () => {
  groupToWall.disabled = !groupFilter.value;
  renderTree();
});
groupToWall.addEventListener("click", showGroupOnWall);

setInterval(() => {
  for (const tile of state.tiles) {
    if (tile.el.classList.contains("playback")) continue; // the tile shows the recording's time instead
    const lag = tile.player ? tile.player.lagMs : null;
    tile.el.dataset.lagMs = lag === null ? "" : String(Math.round(lag));
    tile.el.querySelector(".tile-lag").textContent = lag === null ? "" : _("lag {ms} ms", { ms: Math.round(lag) });
  }
}, 500);
setInterval(loadCameras, 15000);

await loadCameras();
await loadPurpose();
await loadLayouts(!incidentCameras.length);
if (incidentCameras.length) {
  const layout = ORDER.find((name) => LAYOUTS.get(name).tiles >= incidentCameras.length) || ORDER[ORDER.length - 1];
  buildWall(layout, incidentCameras);
  if (incidentPurpose) say(_("The incident's cameras are on the wall, watched for: {justification}", incidentPurpose));
}
await loadTours();
if (document.getElementById("wall-hits")) {
  new HitsPanel(document.getElementById("wall-hits"), {
    csrf,
    mayHandle: true,
    onWall: (cameraId) => placeCamera(cameraId),
    onCount: (count) => (document.getElementById("hit-count").textContent = count ? _("({count} open)", { count }) : ""),
    say,
  });
}
const asked = new URLSearchParams(location.search).get("camera");
if (asked) placeCamera(asked); // from a hit elsewhere: one click puts its camera on the wall
page.dataset.ready = "true";
