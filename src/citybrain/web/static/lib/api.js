/* JSON over fetch. Errors come back as {"error": {"code", "message"}} and are thrown as ApiError. */

export class ApiError extends Error {
  /** `explained` is false when the server sent no message of its own (the text is then the HTTP status text). */
  constructor(status, message, code = null, explained = true) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.explained = explained;
  }
}

async function failure(response) {
  let error = {};
  try {
    error = (await response.json())?.error || {};
  } catch {
    error = {};
  }
  return new ApiError(
    response.status,
    error.message || response.statusText,
    error.code || null,
    Boolean(error.message),
  );
}

/** The signed-in session's anti-forgery token (from /api/v1/me), sent with every write as X-CSRF-Token. */
let csrfToken = null;
export function useCsrfToken(token) {
  csrfToken = token || null;
}

/** Where a staff page goes when its sign-in has ended: the sign-in page, then back here. */
export function signInAgain() {
  window.location.assign(`/signin?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
}

/**
 * Call the server and return its JSON (null when there is none). The browser sends the session cookie; a write
 * carries the session's CSRF token. `key` adds the X-API-Key header instead; `json` is sent as JSON, `form`
 * (URLSearchParams) as a form. A network failure throws the browser's TypeError.
 */
export async function request(method, path, { key, json, form, extra } = {}) {
  const headers = { Accept: "application/json", ...extra };
  if (key) headers["X-API-Key"] = key;
  if (csrfToken && method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8";
    body = form;
  }
  const response = await fetch(path, { method, headers, body });
  if (!response.ok) throw await failure(response);
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** A query string of the parameters that have a value. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  return q.toString();
}
