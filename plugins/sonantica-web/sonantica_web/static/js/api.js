// The signed-in API: every call carries the access token; a 401 renews it once and retries.

import { errorOf, send } from "./http.js";
import { accessToken } from "./session.js";

async function request(path, { method = "GET", body, signal, headers = {}, keepalive = false } = {}, retried = false) {
  const token = await accessToken({ force: retried });
  const all = { ...headers };
  if (token) all.Authorization = `Bearer ${token}`;
  if (body !== undefined) all["Content-Type"] = "application/json";
  const response = await send(path, {
    method,
    headers: all,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    keepalive,
  });
  if (response.status === 401 && token && !retried) return request(path, { method, body, signal, headers, keepalive }, true);
  if (!response.ok) throw await errorOf(response);
  return response;
}

/** JSON from the API (null for 204). Throws ApiError with a readable message. */
export async function api(path, options = {}) {
  const response = await request(path, options);
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** The raw response (for blobs, status codes other than 200, headers). */
export function apiResponse(path, options = {}) {
  return request(path, options);
}

/** Every item of a keyset-paged listing, following `next` up to `max` items. */
export async function allPages(path, { max = 2000, signal } = {}) {
  const items = [];
  let next = path;
  while (next && items.length < max) {
    const page = await api(next, { signal });
    items.push(...page.items);
    next = page.next;
  }
  return items.slice(0, max);
}

/** `path` with query parameters added (empty values left out). */
export function withQuery(path, params) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  return url.pathname + url.search;
}
