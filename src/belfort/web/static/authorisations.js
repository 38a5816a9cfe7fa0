// Offers the organisation's judicial authorisations in force on every purpose form: each
// decision reference field (`legal_basis_ref`, which names the list `authorisation-choices`)
// suggests them, so a prosecutor's decision or an investigating judge's order registered
// once is cited again within its scope. The suggestion decides nothing: the server weighs
// the reference against the camera and the footage at each look, and says why it refuses.

import { api } from "./api.js";

async function offer() {
  const fields = document.querySelectorAll('input[name="legal_basis_ref"][list="authorisation-choices"]');
  if (!fields.length || document.getElementById("authorisation-choices")) return;
  const list = document.createElement("datalist");
  list.setAttribute("id", "authorisation-choices");
  document.body.append(list);
  try {
    for (const choice of await api("/api/authorisations/choices")) {
      const option = document.createElement("option");
      option.value = choice.reference;
      option.label = choice.label;
      list.append(option);
    }
  } catch (error) {
    for (const field of fields) field.title = error.message;
  }
}

offer();
