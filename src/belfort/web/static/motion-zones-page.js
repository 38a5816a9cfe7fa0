// The motion zones of a camera's edit page: drag on the grid (shaped like the camera's
// picture) to add a rectangle, click one to remove it. The form's text field holds the
// zones and is what is saved; typing there redraws the grid. The camera's images are not
// shown here: configuring a camera is not a look at it.

import { _, ngettext } from "./i18n.js";
import { dragZone, formatZones, parseZones, zoneAt } from "./motion-zones.js";

const root = document.getElementById("motion");
const canvas = document.getElementById("motion-canvas");
const field = document.getElementById("motion-zones");
const note = document.getElementById("motion-note");
const sensitivity = document.getElementById("motion-sensitivity");
const shown = document.getElementById("motion-sensitivity-value");
const maxZones = Number(root.dataset.maxZones);

let zones = parseZones(field.value);
let drag = null;

canvas.style.aspectRatio = `${root.dataset.width} / ${root.dataset.height}`;

function colour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function draw() {
  const box = canvas.getBoundingClientRect();
  const scale = window.devicePixelRatio || 1;
  canvas.width = Math.round(box.width * scale);
  canvas.height = Math.round(box.height * scale);
  const context = canvas.getContext("2d");
  context.setTransform(scale, 0, 0, scale, 0, 0);
  const across = (percent) => (percent / 100) * box.width;
  const down = (percent) => (percent / 100) * box.height;
  context.strokeStyle = colour("--line");
  context.lineWidth = 1;
  for (let step = 10; step < 100; step += 10) {
    context.beginPath();
    context.moveTo(across(step), 0);
    context.lineTo(across(step), box.height);
    context.moveTo(0, down(step));
    context.lineTo(box.width, down(step));
    context.stroke();
  }
  const accent = colour("--accent");
  context.font = "13px sans-serif";
  zones.forEach(([x, y, width, height], index) => {
    context.fillStyle = accent;
    context.globalAlpha = 0.25;
    context.fillRect(across(x), down(y), across(width), down(height));
    context.globalAlpha = 1;
    context.strokeStyle = accent;
    context.lineWidth = 2;
    context.strokeRect(across(x), down(y), across(width), down(height));
    context.fillText(String(index + 1), across(x) + 4, down(y) + 15);
  });
  if (drag) {
    const zone = dragZone(drag.from, drag.to, 0);
    if (zone) {
      context.setLineDash([6, 4]);
      context.strokeStyle = colour("--text");
      context.strokeRect(across(zone[0]), down(zone[1]), across(zone[2]), down(zone[3]));
      context.setLineDash([]);
    }
  }
}

function pointOf(event) {
  const box = canvas.getBoundingClientRect();
  return [((event.clientX - box.left) / box.width) * 100, ((event.clientY - box.top) / box.height) * 100];
}

function keep(message = "") {
  field.value = formatZones(zones);
  note.textContent = message;
  draw();
}

canvas.addEventListener("pointerdown", (event) => {
  canvas.setPointerCapture(event.pointerId);
  drag = { from: pointOf(event), to: pointOf(event) };
});
canvas.addEventListener("pointermove", (event) => {
  if (!drag) return;
  drag.to = pointOf(event);
  draw();
});
canvas.addEventListener("pointerup", (event) => {
  if (!drag) return;
  drag.to = pointOf(event);
  const zone = dragZone(drag.from, drag.to);
  const clicked = zoneAt(zones, drag.from);
  drag = null;
  if (zone) {
    if (zones.length >= maxZones) {
      keep(ngettext("At most {count} zone.", "At most {count} zones.", maxZones));
      return;
    }
    zones.push(zone);
    keep();
  } else if (clicked >= 0) {
    zones.splice(clicked, 1);
    keep(_("Zone {number} removed.", { number: clicked + 1 }));
  } else {
    draw();
  }
});
canvas.addEventListener("pointercancel", () => {
  drag = null;
  draw();
});

field.addEventListener("input", () => {
  zones = parseZones(field.value);
  note.textContent = "";
  draw();
});
document.getElementById("motion-clear").addEventListener("click", () => {
  zones = [];
  keep(_("No zones: the whole picture is watched."));
});
sensitivity.addEventListener("input", () => {
  shown.value = sensitivity.value;
});

new ResizeObserver(draw).observe(canvas);
draw();
