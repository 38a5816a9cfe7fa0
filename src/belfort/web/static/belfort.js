// Belfort page behaviour: small, progressive, no framework and nothing from the internet.

async function verifyChain(button) {
  const out = document.getElementById("verify-result");
  out.textContent = "Verifying…";
  const response = await fetch("/api/audit/verify", {
    method: "POST",
    headers: { "X-CSRF-Token": button.dataset.csrf },
    credentials: "same-origin",
  });
  const body = await response.json();
  if (!response.ok) {
    out.textContent = body.detail;
  } else if (body.ok) {
    out.textContent = `Chain intact: ${body.count} records.`;
  } else {
    out.textContent = `Chain broken: ${body.problem}`;
  }
  out.className = response.ok && body.ok ? "ok" : "error";
}

document.addEventListener("DOMContentLoaded", () => {
  const verify = document.getElementById("verify-chain");
  if (verify) verify.addEventListener("click", () => verifyChain(verify));
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
