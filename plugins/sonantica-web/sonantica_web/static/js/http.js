// fetch() with the API's error shape turned into ApiError, whose message a person can read.

export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function sentence(text) {
  const s = String(text || "").trim();
  if (!s) return s;
  const capital = s[0].toUpperCase() + s.slice(1);
  return /[.!?…]$/.test(capital) ? capital : capital + ".";
}

const FALLBACK = {
  401: "You need to sign in.",
  403: "You are not allowed to do this.",
  404: "This was not found.",
  413: "That is too large for the server.",
  429: "Too many attempts; wait a moment and try again.",
  500: "The server failed on this request; its log has the details.",
  502: "The server is unreachable behind its proxy.",
  503: "The server is not available right now; try again shortly.",
};

/** The ApiError for a failed response: the server's own message, else one for the status. */
export async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = body && typeof body.error === "object" ? body.error : null;
  let message = error && error.message ? sentence(error.message) : FALLBACK[response.status] ||
    `The server answered ${response.status} ${response.statusText}.`;
  if (response.status === 429) {
    const wait = response.headers.get("Retry-After");
    if (wait && !/\bwait\b|retry/i.test(message)) message += ` Try again in ${wait} s.`;
  }
  return new ApiError(response.status, error ? error.code : "http_" + response.status, message, error && error.details);
}

/** fetch(), with network failures as ApiError(0, "network"). Aborts are rethrown as they are. */
export async function send(path, options = {}) {
  try {
    return await fetch(path, options);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "The server cannot be reached. Check the connection and try again.");
  }
}

/** A JSON request without credentials (sign-in, setup); answers the parsed body or throws ApiError. */
export async function publicJson(path, body, method = "POST") {
  const response = await send(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await errorOf(response);
  return response.status === 204 ? null : response.json();
}

/** True for errors a person should not see (the request was cancelled on purpose). */
export function isAbort(err) {
  return err && err.name === "AbortError";
}
