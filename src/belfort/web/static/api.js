// The one way pages call Belfort's JSON API: same-origin cookies, the page's CSRF token
// on every request, a JSON body in and out.
//
// A refusal or an error becomes an ApiError that carries the HTTP status, the server's
// own words (`detail`, also the message, already in the reader's language) and what would
// make the request acceptable (`needs`, e.g. ["purpose"] or ["judicial_reference"]).
// Callers show the message; they never swallow it.

import { _ } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, detail, needs = []) {
    super(detail);
    this.name = ApiError.name;
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
 * Cookies go along because the page and the API share their origin (fetch's default).
 */
export async function api(path, { method = "GET", body, csrf, signal } = {}) {
  const headers = new Headers();
  if (csrf) headers.set("X-CSRF-Token", csrf);
  if (body !== undefined) headers.set("Content-Type", "application/json");
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal && signal.aborted) throw error;
    throw new ApiError(0, _("The server could not be reached: check the network connection and try again."));
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail =
      data && typeof data.detail === "string"
        ? data.detail
        : _("The server answered HTTP {status}.", { status: response.status });
    throw new ApiError(response.status, detail, data && Array.isArray(data.needs) ? data.needs : []);
  }
  return data;
}
