// The ANPR hits page: the organisation's hits as they happen, in the shared hits panel.
// "On wall" opens the video wall with the hit's camera for people who may watch live.

import { HitsPanel } from "./anpr-hits.js";

const page = document.getElementById("hits-page");
const message = document.getElementById("hits-message");

new HitsPanel(document.getElementById("hits"), {
  csrf: page.dataset.csrf,
  mayHandle: page.dataset.mayHandle === "1",
  onWall: page.dataset.mayWatch === "1" ? (camera) => (location.href = "/wall?" + new URLSearchParams({ camera })) : null,
  say: (text, isError) => {
    message.textContent = text;
    message.className = isError ? "error" : "muted";
  },
});
