// Evidence page: add and remove camera ranges in the export form, and refresh the history
// while a package is being built.

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

// While packages are queued or being built, reload the history every two seconds.
if (history && Number(history.dataset.pending) > 0) {
  const timer = setInterval(async () => {
    const response = await fetch("/evidence", { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("exports");
    if (!fresh) return;
    document.getElementById("exports").replaceWith(fresh);
    if (Number(fresh.dataset.pending) === 0) clearInterval(timer);
  }, 2000);
}
