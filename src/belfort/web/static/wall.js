// The video wall: a camera tree, tiles in five layouts, saved layouts, tours, shortcuts.
//
// A camera reaches a tile in at most two clicks: select a tile, click a camera (or drag
// the camera onto the tile). Each tile runs its own LivePlayer; every stream carries the
// purpose stated for the shift, which the page asks for once per sign-in. Until it is
// stated no stream is opened: tiles wait. Every stream opened is an audit record, so a
// tile is reconnected only when its camera (or the purpose) changes.

import { HitsPanel } from "./anpr-hits.js";
import { api } from "./api.js";
import { LivePlayer } from "./live.js";
import { plural } from "./plural.js";
import { WallPlayback } from "./wall-playback.js";

const LAYOUTS = { "1": 1, "2x2": 4, "3x3": 9, "4x4": 16, "1+5": 6 };
const ORDER = ["1", "2x2", "3x3", "4x4", "1+5"];
const COLUMNS = { "1": 1, "2x2": 2, "3x3": 3, "4x4": 4, "1+5": 3 };

const page = document.getElementById("wall-page");
const csrf = page.dataset.csrf;
const wall = document.getElementById("wall");
const tree = document.getElementById("camera-tree");
const search = document.getElementById("camera-search");
const message = document.getElementById("wall-message");
const purposeDialog = document.getElementById("purpose-dialog");
const purposeForm = document.getElementById("purpose-form");
const helpDialog = document.getElementById("help-dialog");
const WAITING = "Waiting for the shift's purpose";

const state = {
  layout: "2x2",
  tiles: [],
  selected: 0,
  cameras: new Map(),
  purpose: null,
  tour: null,
  layouts: [],
  tours: [],
};

function say(text, isError = false) {
  message.textContent = text;
  message.className = isError ? "wall-message error" : "wall-message";
}

// ---------------------------------------------------------------- tiles

function makeTile(index) {
  const el = document.createElement("div");
  el.className = "tile";
  el.dataset.index = String(index);
  el.dataset.testid = "tile";
  el.setAttribute("data-testid", "tile");
  el.innerHTML = `
    <video muted autoplay playsinline disablepictureinpicture></video>
    <div class="tile-top"><span class="tile-name"></span><span class="tile-state"></span>
      <button type="button" class="tile-close" title="Clear this tile (Delete)" aria-label="Clear tile">×</button></div>
    <div class="tile-bottom"><span class="tile-purpose"></span><span class="tile-lag" data-testid="lag"></span></div>
    <div class="tile-empty"><span class="tile-number">${index + 1}</span><span>Click a camera, or drag one here</span></div>`;
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
  playback.exit();
  stopTour();
  const keep = cameraIds || state.tiles.map((t) => t.cameraId);
  state.tiles.forEach((t) => t.player && t.player.stop());
  wall.replaceChildren();
  wall.dataset.layout = layout;
  wall.classList.remove("maximized");
  state.layout = layout;
  state.tiles = [];
  for (let i = 0; i < LAYOUTS[layout]; i++) {
    const tile = makeTile(i);
    state.tiles.push(tile);
    wall.appendChild(tile.el);
    if (keep[i]) setTile(i, keep[i]);
    else renderTile(tile, null);
  }
  document.querySelectorAll(".layouts [data-layout]").forEach((b) => b.classList.toggle("current", b.dataset.layout === layout));
  select(Math.min(state.selected, state.tiles.length - 1));
}

function renderTile(tile, info) {
  const camera = tile.cameraId ? state.cameras.get(tile.cameraId) : null;
  tile.el.classList.toggle("empty", !tile.cameraId);
  tile.el.dataset.camera = tile.cameraId || "";
  tile.el.querySelector(".tile-name").textContent = camera ? camera.name : tile.cameraId ? "Camera" : "";
  if (info && info.state !== undefined) {
    tile.el.dataset.state = info.state;
    const label = { online: "LIVE", offline: "OFFLINE", connecting: "CONNECTING", reconnecting: "RECONNECTING",
      refused: "REFUSED", starting: "STARTING", stopped: "STOPPED", waiting: "WAITING" }[info.state] || info.state.toUpperCase();
    const badge = tile.el.querySelector(".tile-state");
    badge.textContent = label;
    badge.className = `tile-state state-${info.state}`;
    badge.title = info.reason || "";
  }
  if (!tile.cameraId) {
    tile.el.dataset.state = "";
    tile.el.querySelector(".tile-state").textContent = "";
    tile.el.querySelector(".tile-purpose").textContent = "";
    tile.el.querySelector(".tile-lag").textContent = "";
  }
}

function setTile(index, cameraId) {
  const tile = state.tiles[index];
  if (!tile) return;
  if (tile.player) tile.player.stop();
  tile.player = null;
  tile.cameraId = cameraId;
  tile.video.removeAttribute("src");
  const purposeLine = tile.el.querySelector(".tile-purpose");
  if (!state.purpose) {
    renderTile(tile, { state: "waiting", reason: WAITING });
    purposeLine.textContent = WAITING;
    askPurpose();
    return;
  }
  purposeLine.textContent = "";
  renderTile(tile, { state: "connecting", reason: "" });
  tile.player = new LivePlayer(tile.video, cameraId, {
    hello: (hello) => {
      purposeLine.textContent = `${hello.purpose.kind}: ${hello.purpose.justification}`;
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
  });
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

function select(index) {
  state.selected = index;
  state.tiles.forEach((t) => t.el.classList.toggle("selected", t.index === index));
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
  const columns = COLUMNS[state.layout];
  const count = state.tiles.length;
  let next = state.selected + dx + dy * columns;
  if (next < 0) next = 0;
  if (next >= count) next = count - 1;
  select(next);
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
  try {
    cameras = await api("/api/live/cameras");
  } catch (error) {
    say(`Could not load the cameras: ${error.message}`, true);
    return;
  }
  state.cameras = new Map(cameras.map((c) => [c.id, c]));
  renderTree();
  state.tiles.forEach((t) => t.cameraId && (t.el.querySelector(".tile-name").textContent = state.cameras.get(t.cameraId)?.name || "Camera"));
}

function renderTree() {
  const needle = search.value.trim().toLowerCase();
  const groups = new Map();
  for (const camera of state.cameras.values()) {
    const haystack = `${camera.name} ${camera.street} ${camera.area} ${camera.organisation}`.toLowerCase();
    if (needle && !haystack.includes(needle)) continue;
    const org = groups.get(camera.organisation) || new Map();
    const area = camera.area || "No area";
    org.set(area, [...(org.get(area) || []), camera]);
    groups.set(camera.organisation, org);
  }
  tree.replaceChildren();
  if (!groups.size) {
    tree.innerHTML = `<p class="muted small">${needle ? "No camera matches." : "No cameras you may watch."}</p>`;
    return;
  }
  for (const [organisation, areas] of groups) {
    const details = document.createElement("details");
    details.open = true;
    details.innerHTML = `<summary></summary>`;
    details.querySelector("summary").textContent = organisation;
    for (const [area, cameras] of areas) {
      const heading = document.createElement("div");
      heading.className = "tree-area";
      heading.textContent = area;
      details.appendChild(heading);
      for (const camera of cameras) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "tree-camera";
        button.draggable = true;
        button.dataset.camera = camera.id;
        button.title = `${camera.name}${camera.street ? ", " + camera.street : ""} (${camera.state})`;
        button.innerHTML = `<span class="dot state-${camera.state.replace(/ /g, "-")}"></span><span class="cam-name"></span><span class="cam-street"></span>`;
        button.querySelector(".cam-name").textContent = camera.name;
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

// ---------------------------------------------------------------- purpose

function showPurpose() {
  const text = document.getElementById("purpose-text");
  text.textContent = state.purpose ? `Purpose: ${state.purpose.kind}: ${state.purpose.justification}` : "No purpose stated";
  text.className = state.purpose ? "small" : "small error";
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
  if (!state.purpose) askPurpose();
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
    say(`Could not load saved layouts: ${error.message}`, true);
    state.layouts = [];
  }
  const select = document.getElementById("saved-layouts");
  select.replaceChildren(new Option("Saved layouts…", ""));
  for (const layout of state.layouts) {
    select.appendChild(new Option(`${layout.name} (${layout.layout})${layout.is_default ? " ★" : ""}`, layout.name));
  }
  const preferred = applyDefault ? state.layouts.find((l) => l.is_default) : null;
  if (preferred) buildWall(preferred.layout, preferred.tiles);
  else if (applyDefault) buildWall("2x2", []);
}

async function saveLayout() {
  const name = window.prompt("Save this wall as (it opens with the wall next time):", "My wall");
  if (!name) return;
  try {
    await api(`/api/wall/layouts/${encodeURIComponent(name)}`, {
      method: "PUT",
      csrf,
      body: { layout: state.layout, tiles: state.tiles.map((t) => t.cameraId), is_default: true },
    });
    say(`Layout '${name}' saved; the wall opens with it.`);
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
  if (!name) return say("Choose a saved layout to delete first.", true);
  try {
    await api(`/api/wall/layouts/${encodeURIComponent(name)}`, { method: "DELETE", csrf });
    say(`Layout '${name}' deleted.`);
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
    say(`Could not load tours: ${error.message}`, true);
    state.tours = [];
  }
  const list = document.getElementById("tour-list");
  list.replaceChildren();
  for (const tour of state.tours) {
    const item = document.createElement("li");
    item.innerHTML = `<span class="tour-name"></span><span class="tour-meta muted small"></span>
      <button type="button" data-mode="tile" title="Cycle on the selected tile">▶ tile</button>
      <button type="button" data-mode="wall" title="Cycle over the whole wall">▶ wall</button>
      <button type="button" data-delete title="Delete this tour">×</button>`;
    item.querySelector(".tour-name").textContent = tour.name;
    item.querySelector(".tour-meta").textContent = `${plural(tour.cameras.length, "camera")}, ${tour.dwell_seconds} s`;
    item.querySelectorAll("[data-mode]").forEach((b) => b.addEventListener("click", () => startTour(tour, b.dataset.mode)));
    item.querySelector("[data-delete]").addEventListener("click", async () => {
      try {
        await api(`/api/wall/tours/${encodeURIComponent(tour.name)}`, { method: "DELETE", csrf });
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
  const where = mode === "tile" ? `tile ${tileIndex + 1}` : "the wall";
  show(0);
  const status = document.getElementById("tour-status");
  if (cameras.length <= places) {
    status.textContent = `Tour '${tour.name}' on ${where}: every camera is on screen, so it does not rotate`;
    return;
  }
  let step = 1;
  state.tour = setInterval(() => show(step++), tour.dwell_seconds * 1000);
  status.textContent = `Tour '${tour.name}' on ${where}, every ${tour.dwell_seconds} s (T stops)`;
}

function stopTour() {
  if (state.tour) clearInterval(state.tour);
  state.tour = null;
  document.getElementById("tour-status").textContent = "";
}

document.getElementById("tour-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target.elements;
  const cameras = state.tiles.map((t) => t.cameraId).filter(Boolean);
  if (!cameras.length) return say("Put the tour's cameras on the wall first, in the order to visit them.", true);
  try {
    await api(`/api/wall/tours/${encodeURIComponent(form.name.value)}`, {
      method: "PUT",
      csrf,
      body: { cameras, dwell_seconds: Number(form.dwell.value) },
    });
    say(`Tour '${form.name.value}' saved with ${plural(cameras.length, "camera")}.`);
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
  cameraName: (id) => (state.cameras.get(id) || { name: "Camera" }).name,
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
        renderTile(tile, { state: "paused", reason: `Live is paused during the playback of ${plural(chosen.length, "camera")}` });
      }
    }
    document.getElementById("playback-button").classList.add("current");
  },
  onExit: () => {
    document.getElementById("playback-button").classList.remove("current");
    state.tiles.forEach((t) => t.cameraId && setTile(t.index, t.cameraId));
  },
});

document.getElementById("playback-button").addEventListener("click", () =>
  playback.active ? playback.exit() : playback.enter(),
);

// ---------------------------------------------------------------- keyboard

document.addEventListener("keydown", (event) => {
  if (purposeDialog.open || helpDialog.open) return;
  const typing = event.target.closest("input, textarea, select");
  if (typing) {
    if (event.target === search && event.key === "Enter") {
      const first = tree.querySelector(".tree-camera");
      if (first) placeCamera(first.dataset.camera);
    } else if (event.target === search && event.key === "Escape") {
      // Leave the search: clear the filter (the browser's own clearing fires no input
      // event) and give the keys back to the wall.
      event.preventDefault();
      search.value = "";
      renderTree();
      search.blur();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  if (playback.active && [" ", ",", ".", "l", "L"].includes(key)) {
    event.preventDefault();
    if (key === " ") playback.togglePlay();
    else if (key === ",") playback.step(-1);
    else if (key === ".") playback.step(1);
    else playback.exit();
    return;
  }
  if (key === "p" || key === "P") {
    event.preventDefault();
    if (playback.active) playback.exit();
    else playback.enter();
    return;
  }
  if (key >= "1" && key <= "5") buildWall(ORDER[Number(key) - 1]);
  else if (key === "ArrowLeft") moveSelection(-1, 0);
  else if (key === "ArrowRight") moveSelection(1, 0);
  else if (key === "ArrowUp") moveSelection(0, -1);
  else if (key === "ArrowDown") moveSelection(0, 1);
  else if (key === "Enter" || key === "f" || key === "F") toggleMaximize(state.selected);
  else if (key === "Escape") wall.classList.contains("maximized") && toggleMaximize(state.selected);
  else if (key === "Delete" || key === "Backspace") clearTile(state.selected);
  else if (key === "/") search.focus();
  else if (key === "s" || key === "S") saveLayout();
  else if (key === "t" || key === "T") stopTour();
  else if (key === "?") helpDialog.showModal();
  else return;
  event.preventDefault();
});

// ---------------------------------------------------------------- start

document.querySelectorAll(".layouts [data-layout]").forEach((button) => {
  button.addEventListener("click", () => buildWall(button.dataset.layout));
});
document.getElementById("help-button").addEventListener("click", () => helpDialog.showModal());
search.addEventListener("input", renderTree);

setInterval(() => {
  for (const tile of state.tiles) {
    if (tile.el.classList.contains("playback")) continue; // the tile shows the recording's time instead
    const lag = tile.player ? tile.player.lagMs : null;
    tile.el.dataset.lagMs = lag === null ? "" : String(Math.round(lag));
    tile.el.querySelector(".tile-lag").textContent = lag === null ? "" : `lag ${Math.round(lag)} ms`;
  }
}, 500);
setInterval(loadCameras, 15000);

await loadCameras();
await loadPurpose();
await loadLayouts(true);
await loadTours();
if (document.getElementById("wall-hits")) {
  new HitsPanel(document.getElementById("wall-hits"), {
    csrf,
    mayHandle: true,
    onWall: (cameraId) => placeCamera(cameraId),
    onCount: (count) => (document.getElementById("hit-count").textContent = count ? `(${count} open)` : ""),
    say,
  });
}
const asked = new URLSearchParams(location.search).get("camera");
if (asked) placeCamera(asked); // from a hit elsewhere: one click puts its camera on the wall
page.dataset.ready = "true";
