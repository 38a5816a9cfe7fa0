// Belfort page behaviour: small, progressive, no framework and nothing from the internet.

import { api } from "./api.js";
import { _, ngettext } from "./i18n.js";

async function verifyChain(button) {
  const out = document.getElementById("verify-result");
  out.textContent = _("Verifying…");
  out.className = "muted";
  try {
    const body = await api("/api/audit/verify", { method: "POST", csrf: button.dataset.csrf });
    out.textContent = body.ok
      ? ngettext("Chain intact: {count} record.", "Chain intact: {count} records.", body.count)
      : _("Chain broken: {problem}", { problem: body.problem });
    out.className = body.ok ? "ok" : "error";
  } catch (error) {
    out.textContent = error.message;
    out.className = "error";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const verify = document.getElementById("verify-chain");
  if (verify) verify.addEventListener("click", () => verifyChain(verify));
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  // "Go back" on error pages: the previous page when there is one, else the link's own target.
  const back = event.target.closest("a[data-history-back]");
  if (back && history.length > 1) {
    event.preventDefault();
    history.back();
  }
});
