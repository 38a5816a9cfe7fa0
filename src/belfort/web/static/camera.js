// Camera page: the timeline of recordings, the player, back to live, and holds and
// exports of a selected range. Times are shown and typed in the site's local time, with
// the offset (the two 02:30s of the night the clocks go back read +02:00 and +01:00).
//
// The purpose (administrative or judicial, a justification, and for police footage past
// 30 days the prosecutor's decision) is asked once and kept for this browser tab; every
// playback, hold and export carries it and is audited by the server. A refusal is shown
// in the server's words and, when a reference would make it acceptable, the dialog asks
// for it.

import { api } from "./api.js";
import { _ } from "./i18n.js";
import { LivePlayer } from "./live.js";
import { dayBounds, formatLocal, readLocal, zoneLabel } from "./localtime.js";
import { RecordingPlayer } from "./recordings.js";
import { Timeline, formatDuration } from "./timeline.js";

const root = document.getElementById("recordings");
const cameraId = root.dataset.camera;
const csrf = root.dataset.csrf;
const minJustification = Number(root.dataset.minJustification || 10);
const PURPOSE_KEY = "belfortRecordingPurpose";

const video = document.getElementById("video");
const message = document.getElementById("playback-message");
const clock = document.getElementById("clock");
const mode = document.getElementById("mode");
const purposeDialog = document.getElementById("purpose-dialog");
const purposeForm = document.getElementById("purpose-form");

let purpose = JSON.parse(sessionStorage.getItem(PURPOSE_KEY) || "null");
let pendingAfterPurpose = null;
let live = null;
let playNote = ""; // a sentence that goes with the playback asked for (a time that happens twice)

function say(text, kind = "muted") {
  if (!message) return;
  message.textContent = text;
  message.className = kind;
}

// ---------------------------------------------------------------- purpose

function describePurpose() {
  if (!purpose) return _("none stated");
  const kind = purpose.kind === "judicial" ? _("judicial") : _("administrative");
  const values = { kind, justification: purpose.justification, reference: purpose.legal_basis_ref };
  return purpose.legal_basis_ref
    ? _("{kind}: {justification} (ref. {reference})", values)
    : _("{kind}: {justification}", values);
}

function askPurpose(explanation, needs = [], then = null) {
  pendingAfterPurpose = then;
  const form = purposeForm.elements;
  if (purpose) {
    form.kind.value = purpose.kind;
    form.justification.value = purpose.justification;
    form.legal_basis_ref.value = purpose.legal_basis_ref || "";
  }
  if (needs.includes("judicial_reference")) form.kind.value = "judicial";
  document.getElementById("purpose-error").textContent = explanation || "";
  purposeDialog.showModal();
  (needs.includes("judicial_reference") ? form.legal_basis_ref : form.justification).focus();
}

purposeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = purposeForm.elements;
  const justification = form.justification.value.trim();
  if (justification.length < minJustification) {
    document.getElementById("purpose-error").textContent = _(
      "Describe the reason in at least {count} characters (an incident, a case, a request).",
      { count: minJustification },
    );
    return;
  }
  purpose = { kind: form.kind.value, justification, legal_basis_ref: form.legal_basis_ref.value.trim() };
  sessionStorage.setItem(PURPOSE_KEY, JSON.stringify(purpose));
  for (const el of document.querySelectorAll(".purpose-summary")) el.textContent = describePurpose();
  purposeDialog.close();
  const then = pendingAfterPurpose;
  pendingAfterPurpose = null;
  if (then) then();
});
document.getElementById("purpose-cancel").addEventListener("click", () => purposeDialog.close());

function withPurpose(action) {
  if (purpose) action();
  else askPurpose("", [], action);
}

// ---------------------------------------------------------------- timeline

const timeline = new Timeline(document.getElementById("timeline"), {
  rows: [{ cameraId, label: root.dataset.cameraName }],
  rowHeight: 44,
  onSeek: (ms) => playFrom(ms),
  // Dragging the playhead shows the frames the clip on screen already holds; letting go
  // elsewhere plays from there (a new clip, or a new consultation outside the grant).
  onScrub: (ms) => {
    if (player && !live) player.preview(ms);
  },
  onScrubEnd: (ms) => {
    if (player && !live && player.preview(ms)) return;
    playFrom(ms);
  },
  onSelect: (range) => showSelection(range),
  onView: () => showZone(),
});

// The zone and its offset where the timeline looks: "Europe/Brussels, UTC+01:00".
const zoneNote = document.getElementById("zone-note");
function showZone() {
  zoneNote.textContent = zoneLabel(timeline.cursor());
}

const at = root.dataset.at ? Date.parse(root.dataset.at) : null;
if (root.dataset.day) timeline.setView(...dayBounds(root.dataset.day)); // the local day asked for, 23 to 25 hours
else if (at) timeline.centre(at, 3600 * 1000);
else timeline.centre(Date.now() - 25 * 60 * 1000, 3600 * 1000);

for (const button of document.querySelectorAll("[data-zoom]")) {
  button.addEventListener("click", () => {
    const now = Date.now();
    const nowInView = timeline.start <= now && now <= timeline.end;
    if (button.dataset.zoom === "day") {
      timeline.showDay(timeline.playhead ?? (nowInView ? now : (timeline.start + timeline.end) / 2));
      return;
    }
    const span = Number(button.dataset.zoom) * 1000;
    if (timeline.playhead !== null) timeline.centre(timeline.playhead, span);
    else if (nowInView) timeline.setView(now - span * 0.9, now + span * 0.1);
    else timeline.centre((timeline.start + timeline.end) / 2, span);
  });
}
document.getElementById("to-latest").addEventListener("click", () => {
  timeline.setView(Date.now() - timeline.span * 0.9, Date.now() + timeline.span * 0.1);
});
document.getElementById("jump").addEventListener("submit", (event) => {
  event.preventDefault();
  let moment;
  try {
    moment = readLocal(event.target.elements.at.value);
  } catch (error) {
    say(error.message, "error");
    return;
  }
  timeline.centre(moment.ms);
  playFrom(moment.ms, moment.second === null ? "" : twiceNote(moment.ms, moment.second));
});

/** What to say when a typed time happens twice (the night the clocks go back). */
function twiceNote(first, second) {
  return _("This time happens twice on this day: playing the first, {first}; type {second} for the other.", {
    first: formatLocal(first),
    second: formatLocal(second),
  });
}
setInterval(() => timeline.draw(), 1000);
setInterval(() => {
  if (timeline.end > Date.now() - 60 * 1000) timeline.refresh();
}, 10000);

// ---------------------------------------------------------------- player

const player = video
  ? new RecordingPlayer(video, {
      cameraId,
      csrf,
      purpose: () => purpose,
      events: {
        time: (ms) => {
          if (ms === null) return;
          clock.textContent = formatLocal(ms, { millis: true });
          clock.dataset.ms = String(Math.round(ms));
          if (!clock.dataset.first) clock.dataset.first = String(Math.round(ms)); // the first frame shown
          timeline.setPlayhead(ms);
          if (ms > timeline.end - timeline.span * 0.05 || ms < timeline.start) timeline.centre(ms);
        },
        state: (text, kind) => say(playNote ? `${text} ${playNote}` : text, kind),
        refused: (error) => {
          say(error.message, "error");
          setMode("refused");
          if (error.needs.includes("purpose") || error.needs.includes("judicial_reference")) {
            askPurpose(error.message, error.needs, () => playFrom(player.wanted ? player.wanted.ms : Date.now()));
          }
        },
        ended: () => setMode("paused"),
      },
    })
  : null;

const MODES = {
  playback: _("playback"),
  paused: _("paused"),
  stopped: _("stopped"),
  refused: _("refused"),
  live: _("live"),
  online: _("live"),
  connecting: _("connecting"),
  reconnecting: _("reconnecting"),
  offline: _("offline"),
  starting: _("starting"),
};

function setMode(state) {
  if (!mode) return;
  mode.textContent = MODES[state] || state;
  mode.dataset.mode = state;
  mode.className = "badge";
  mode.classList.add(`mode-${state}`);
}

function stopLive() {
  if (live) {
    live.stop();
    live = null;
  }
}

function playFrom(ms, note = "") {
  if (!player) return;
  withPurpose(() => {
    stopLive();
    setMode("playback");
    timeline.setPlayhead(ms);
    clock.dataset.requested = String(Math.round(ms));
    clock.dataset.first = "";
    playNote = note;
    say(note || _("Asking to play from {moment}…", { moment: formatLocal(ms) }));
    player.playFrom(ms);
  });
}

if (video) {
  video.addEventListener("play", () => {
    document.getElementById("play-pause").textContent = _("▮▮ Pause");
    if (!live) setMode("playback");
  });
  video.addEventListener("pause", () => {
    document.getElementById("play-pause").textContent = _("▶ Play");
    if (!live) setMode("paused");
  });
  document.getElementById("play-pause").addEventListener("click", () => player.togglePlay());
  document.getElementById("frame-back").addEventListener("click", () => player.step(-1));
  document.getElementById("frame-forward").addEventListener("click", () => player.step(1));
  for (const button of document.querySelectorAll("[data-speed]")) {
    button.addEventListener("click", () => {
      player.setRate(Number(button.dataset.speed));
      for (const other of document.querySelectorAll("[data-speed]")) {
        other.classList.toggle("current", other === button);
        other.setAttribute("aria-pressed", String(other === button));
      }
    });
  }
  for (const button of document.querySelectorAll("button.play")) {
    button.addEventListener("click", () => {
      const ms = Date.parse(button.dataset.start);
      timeline.centre(ms, 3600 * 1000);
      playFrom(ms);
    });
  }
}

const liveButton = document.getElementById("back-to-live");
if (liveButton) {
  liveButton.addEventListener("click", () => {
    withPurpose(() => {
      player.stop();
      stopLive();
      setMode("live");
      say(_("Live: every stream opened and closed is recorded in the audit log with your purpose."));
      const query = purpose;
      live = new LivePlayer(video, cameraId, {
        state: (info) => setMode(info.state === "online" ? "live" : info.state),
        error: (info) => say(info.detail, "error"),
      }, query);
      const follow = () => {
        if (!live) return;
        const now = Date.now() - (live.lagMs || 0);
        clock.textContent = formatLocal(now, { millis: true });
        timeline.setPlayhead(now);
        if (now > timeline.end - timeline.span * 0.05) timeline.setView(now - timeline.span * 0.9, now + timeline.span * 0.1);
        setTimeout(follow, 250);
      };
      follow();
    });
  });
}

// ---------------------------------------------------------------- selection, hold, export

let selection = null;

function showSelection(range) {
  selection = range && range[1] - range[0] >= 1000 ? range : null;
  const bar = document.getElementById("selection");
  bar.hidden = !selection;
  if (!selection) return;
  document.getElementById("selection-text").textContent = _("Selected {start} → {end} ({duration})", {
    start: formatLocal(selection[0]),
    end: formatLocal(selection[1]),
    duration: formatDuration(selection[1] - selection[0]),
  });
}

document.getElementById("clear-selection").addEventListener("click", () => timeline.setSelection(null));
document.getElementById("play-selection").addEventListener("click", () => selection && playFrom(selection[0]));

function rangeText() {
  return _("{camera}: {start} → {end} ({duration})", {
    camera: root.dataset.cameraName,
    start: formatLocal(selection[0]),
    end: formatLocal(selection[1]),
    duration: formatDuration(selection[1] - selection[0]),
  });
}

function openDialog(dialog, range) {
  withPurpose(() => {
    range.textContent = rangeText();
    for (const el of document.querySelectorAll(".purpose-summary")) el.textContent = describePurpose();
    dialog.querySelector("[role=alert]").textContent = "";
    dialog.showModal();
  });
}

for (const button of document.querySelectorAll("dialog [data-close]")) {
  button.addEventListener("click", () => button.closest("dialog").close());
}

function refusalAdvice(error, retry) {
  if (error.needs && (error.needs.includes("judicial_reference") || error.needs.includes("purpose"))) {
    askPurpose(error.message, error.needs, retry);
  }
}

const holdDialog = document.getElementById("hold-dialog");
if (holdDialog) {
  document.getElementById("hold-selection").addEventListener("click", () => openDialog(holdDialog, document.getElementById("hold-range")));
  document.getElementById("hold-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target.elements;
    try {
      const hold = await api("/api/holds", {
        method: "POST",
        csrf,
        body: {
          camera: cameraId,
          start: new Date(selection[0]).toISOString(),
          end: new Date(selection[1]).toISOString(),
          case_number: form.case_number.value,
          reason: form.reason.value,
          purpose,
        },
      });
      holdDialog.close();
      say(_("Hold placed for case {case}: retention will not erase this range.", { case: hold.case_number }), "ok");
      timeline.refresh();
    } catch (error) {
      document.getElementById("hold-error").textContent = error.message;
      refusalAdvice(error, () => holdDialog.showModal());
    }
  });
}

const exportDialog = document.getElementById("export-dialog");
if (exportDialog) {
  const status = document.getElementById("export-status");
  const download = document.getElementById("export-download");
  document.getElementById("export-selection").addEventListener("click", () => {
    status.textContent = "";
    download.hidden = true;
    document.getElementById("export-submit").disabled = false;
    openDialog(exportDialog, document.getElementById("export-range"));
  });
  document.getElementById("export-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target.elements;
    const submit = document.getElementById("export-submit");
    submit.disabled = true;
    try {
      const job = await api("/api/evidence/exports", {
        method: "POST",
        csrf,
        body: {
          items: [{ camera: cameraId, start: new Date(selection[0]).toISOString(), end: new Date(selection[1]).toISOString() }],
          case_number: form.case_number.value,
          recipient: form.recipient.value,
          purpose,
          blur_faces: form.blur_faces.checked,
          hold: form.hold.checked,
        },
      });
      document.getElementById("export-error").textContent = "";
      followExport(job.id, status, download);
      timeline.refresh();
    } catch (error) {
      submit.disabled = false;
      document.getElementById("export-error").textContent = error.message;
      refusalAdvice(error, () => exportDialog.showModal());
    }
  });
}

async function followExport(id, status, download) {
  for (;;) {
    let job;
    try {
      job = await api("/api/evidence/exports/" + encodeURIComponent(id));
    } catch (error) {
      status.textContent = "";
      document.getElementById("export-error").textContent = _("The package's progress cannot be read: {reason}", {
        reason: error.message,
      });
      return;
    }
    if (job.state === "ready") {
      status.textContent = _("Package ready: {size} MB, SHA-256 {hash}…", {
        size: (job.bytes / 1048576).toFixed(1),
        hash: job.sha256.slice(0, 16),
      });
      download.href = job.download_url;
      download.hidden = false;
      return;
    }
    if (job.state === "failed") {
      status.textContent = "";
      document.getElementById("export-error").textContent = _("The package could not be built: {reason}", {
        reason: job.error,
      });
      return;
    }
    status.textContent = _("Building the package: {progress} %…", { progress: job.progress });
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// ---------------------------------------------------------------- keyboard

const ACTIVATING = { " ": true, Enter: true };

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, select, textarea, dialog") || !player) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  // Space and Enter act on the button or link that has the focus, not on the player.
  if (ACTIVATING[event.key] && event.target.closest("button, a, summary")) return;
  const keys = {
    " ": () => player.togglePlay(),
    ",": () => player.step(-1),
    ".": () => player.step(1),
    l: () => liveButton && liveButton.click(),
  };
  const action = keys[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});
for (const el of document.querySelectorAll(".purpose-summary")) el.textContent = describePurpose();
showZone();
