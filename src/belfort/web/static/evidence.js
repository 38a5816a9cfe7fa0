// Evidence page: add and remove camera ranges in the export form, and refresh the history
// while a package is being built.

import { api } from "./api.js";

const ranges = document.getElementById("export-ranges");
const addButton = document.getElementById("add-range");
const history = document.getElementById("exports");

function rows() {
  return ranges ? [...ranges.querySelectorAll(".range-row")] : [];
}

function updateButtons() {
  const all = rows();
  for (const row of all) row.querySelector(".remove-range").disabled = all.length === 1;
  if (addButton) addButton.disabled = all.length >= 16;
}

if (ranges) {
  addButton.addEventListener("click", () => {
    const last = rows().at(-1);
    const copy = last.cloneNode(true);
    copy.querySelector("select").value = last.querySelector("select").value;
    last.after(copy);
    copy.querySelector("select").focus();
    updateButtons();
  });
  ranges.addEventListener("click", (event) => {
    const button = event.target.closest(".remove-range");
    if (!button || rows().length === 1) return;
    button.closest(".range-row").remove();
    updateButtons();
  });
  updateButtons();
}

// While your packages are queued or being built, follow their progress (which reads nothing
// of the history), and load the page again, once, when they are done.
const pending = history ? history.dataset.pending.split(" ").filter(Boolean) : [];
if (pending.length > 0) {
  const timer = setInterval(async () => {
    let done = 0;
    for (const id of pending) {
      try {
        const state = await api("/api/evidence/exports/" + encodeURIComponent(id) + "/progress");
        const row = history.querySelector(`tr[data-export="${id}"] .progress`);
        if (row) row.textContent = `${state.progress} %`;
        if (state.state === "ready" || state.state === "failed") done += 1;
      } catch {
        done += 1;
      }
    }
    if (done === pending.length) {
      clearInterval(timer);
      location.reload();
    }
  }, 2000);
}
