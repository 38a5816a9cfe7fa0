// The map of cameras: Leaflet (vendor/leaflet, loaded before this module as the global `L`)
// draws the tiles and one marker per camera the page lists in #map-cameras. A marker is a
// focusable button named after its camera; Enter, Space or a click opens its popup, cloned
// from the page's <template id="map-popup">, and Escape closes it and returns to the marker.
// The list beside the map links every camera and shows a positioned one on the map.
import { _ } from "./i18n.js";

const L = window.L;
const element = document.getElementById("map");
const cameras = JSON.parse(document.getElementById("map-cameras").textContent);
const settings = element.dataset;
const maxZoom = Number(settings.maxZoom);

const map = L.map(element, { zoomControl: false, attributionControl: false, maxZoom });
L.control.zoom({ zoomInTitle: _("Zoom in"), zoomOutTitle: _("Zoom out") }).addTo(map);
L.tileLayer(settings.tileUrl, { maxZoom }).addTo(map);

// The cameras in view, else the site's centre.
if (cameras.length) {
  const bounds = L.latLngBounds(cameras.map((camera) => [camera.lat, camera.lon]));
  map.fitBounds(bounds, { padding: [40, 40], maxZoom: Math.min(Number(settings.zoom) + 3, maxZoom) });
} else {
  map.setView([Number(settings.centerLat), Number(settings.centerLon)], Number(settings.zoom));
}

const Attribution = L.Control.extend({
  options: { position: "bottomright" },
  onAdd() {
    const credit = document.getElementById("map-attribution").content.firstElementChild.cloneNode(true);
    L.DomEvent.disableClickPropagation(credit);
    return credit;
  },
});
new Attribution().addTo(map);

function popupFor(camera) {
  const content = document.getElementById("map-popup").content.firstElementChild.cloneNode(true);
  const field = (name) => content.querySelector(`[data-field="${name}"]`);
  field("name").textContent = camera.name;
  field("status").textContent = camera.status_label;
  field("status").classList.add(`map-status-${camera.status}`);
  field("kind").textContent = camera.kind;
  field("owner").textContent = camera.owner;
  field("place").textContent = camera.place;
  const id = encodeURIComponent(camera.id);
  content.querySelector('[data-link="camera"]').href = `/cameras/${id}`;
  const wall = content.querySelector('[data-link="wall"]');
  if (wall) wall.href = `/wall?${new URLSearchParams({ camera: camera.id })}`;
  return content;
}

// A popup opened from the keyboard takes the focus; closing it gives the focus back.
let opener = null;

function onOpen(camera, marker, popup) {
  const box = popup.getElement();
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-label", camera.name);
  box.querySelector(".leaflet-popup-close-button")?.setAttribute("aria-label", _("Close"));
  const button = marker.getElement();
  if (document.activeElement === button || opener === button) {
    opener = button;
    box.querySelector("a[data-link]")?.focus();
  }
}

function onClose(popup) {
  const box = popup.getElement();
  const focus = document.activeElement;
  if (opener && (!focus || focus === document.body || box?.contains(focus))) opener.focus({ preventScroll: true });
  opener = null;
}

const markers = new Map();
for (const camera of cameras) {
  const icon = L.divIcon({
    className: "",
    iconSize: [22, 22],
    iconAnchor: [11, 11],
    popupAnchor: [0, -12],
  });
  const marker = L.marker([camera.lat, camera.lon], { icon, title: camera.title, keyboard: true });
  marker.bindPopup(() => popupFor(camera), { minWidth: 200 });
  marker.on("popupopen", (event) => onOpen(camera, marker, event.popup));
  marker.on("popupclose", (event) => onClose(event.popup));
  marker.addTo(map);
  const button = marker.getElement();
  button.classList.add("map-marker", `map-status-${camera.status}`);
  button.dataset.camera = camera.id;
  button.setAttribute("aria-label", camera.title);
  button.setAttribute("aria-haspopup", "dialog");
  button.addEventListener("keydown", (event) => {
    if (event.key === " ") {
      event.preventDefault();
      marker.openPopup();
    }
  });
  markers.set(camera.id, marker);
}
element.addEventListener("keydown", (event) => {
  if (event.key.startsWith("Esc")) map.closePopup(); // "Escape", or "Esc" in older browsers
});

document.querySelectorAll("[data-show]").forEach((button) => {
  button.addEventListener("click", () => {
    const marker = markers.get(button.dataset.show);
    if (!marker) return;
    opener = marker.getElement();
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), Number(settings.zoom)));
    marker.openPopup();
    element.scrollIntoView({ block: "nearest" });
  });
});

element.dataset.ready = "true";
