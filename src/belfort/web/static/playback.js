// Playback on the camera page: ask once, under a stated purpose, then play the granted segments in order.

const player = document.getElementById("player");
const video = document.getElementById("video");
const message = document.getElementById("playback-message");
const form = document.getElementById("purpose");
let queue = [];

function say(text, kind) {
  message.textContent = text;
  message.className = kind || "muted";
}

function playNext() {
  const next = queue.shift();
  if (!next) return;
  video.src = next.url;
  video.play().catch(() => {});
}

async function requestPlayback(start, end) {
  if (!form.reportValidity()) return;
  const data = new FormData(form);
  const body = {
    camera: player.dataset.camera,
    start,
    end,
    purpose: {
      kind: data.get("kind"),
      justification: data.get("justification"),
      legal_basis_ref: data.get("legal_basis_ref"),
    },
  };
  const response = await fetch("/api/recordings/playback", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": player.dataset.csrf },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    say(answer.detail, "error");
    return;
  }
  say(answer.reason, "ok");
  queue = answer.segments.filter((s) => s.url);
  playNext();
}

video.addEventListener("ended", playNext);
for (const button of document.querySelectorAll("button.play")) {
  button.addEventListener("click", () => requestPlayback(button.dataset.start, button.dataset.end));
}
