// The one way pages call Belfort's JSON API: same-origin cookies, the page's CSRF token
// on every request, a JSON body in and out.
//
// A refusal or an error becomes an ApiError that carries the HTTP status, the server's
// own words (`detail`, also the message) and what would make the request acceptable
// (`needs`, e.g. ["purpose"] or ["judicial_reference"]). Callers show the message; they
// never swallow it.

export class ApiError extends Error {
  constructor(status, detail, needs = []) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.needs = needs;
  }
}

/** A refusal by the policy gate (HTTP 403): the person may not, or not without `needs`. */
export function isRefusal(error) {
  return error instanceof ApiError && error.status === 403;
}

/**
 * Call `path` and return its parsed JSON body (null when it has none, as for 204).
 * csrf: the page's token (from its data-csrf); body: sent as JSON; signal: an AbortSignal.
 */
export async function api(path, { method = "GET", body, csrf, signal } = {}) {
  const headers = {};
  if (csrf) headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "The server could not be reached: check the network connection and try again.");
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = data && typeof data.detail === "string" ? data.detail : `The server answered HTTP ${response.status}.`;
    throw new ApiError(response.status, detail, data && Array.isArray(data.needs) ? data.needs : []);
  }
  return data;
}
