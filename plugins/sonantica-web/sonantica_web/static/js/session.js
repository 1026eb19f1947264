// Who is signed in: the token pair, kept in localStorage so a reload stays signed in, and
// renewed with the refresh token before the access token runs out. Tabs share one pair:
// a refresh token works once, so only one tab renews at a time (Web Locks) and the others
// pick up what it stored.

import { ApiError, publicJson, send } from "./http.js";

const KEY = "sonantica.session";
const MARGIN_MS = 30_000;
const listeners = new Set();
let state = read();
let renewing = null;

function read() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || "null");
    if (saved && saved.refresh && saved.user) return saved;
  } catch {
    /* a damaged entry counts as signed out */
  }
  return { access: null, expiresAt: 0, refresh: null, user: null };
}

function write() {
  if (state.refresh) localStorage.setItem(KEY, JSON.stringify(state));
  else localStorage.removeItem(KEY);
}

function emit(reason) {
  for (const fn of listeners) fn(state.user, reason);
}

function accept(pair) {
  state = {
    access: pair.access_token,
    expiresAt: Date.now() + pair.expires_in * 1000,
    refresh: pair.refresh_token,
    user: pair.user,
  };
  write();
}

/** Call `fn(user, reason)` whenever someone signs in or out (also from another tab). */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The signed-in user ({id, username, role}) or null. */
export function currentUser() {
  return state.refresh ? state.user : null;
}

export function isAdmin() {
  return currentUser()?.role === "admin";
}

/** Sign in with a username and password. */
export async function signIn(username, password) {
  accept(await publicJson("/api/auth/login", { username, password }));
  emit("signed-in");
}

/** Create the first admin (first run only) and sign in as them. */
export async function createFirstAdmin(username, password) {
  accept(await publicJson("/api/setup", { username, password }));
  emit("signed-in");
}

/** Whether the server still has no user at all. */
export async function needsSetup() {
  const answer = await publicJson("/api/setup", undefined, "GET");
  return Boolean(answer.needs_setup);
}

function forget(reason) {
  state = { access: null, expiresAt: 0, refresh: null, user: null };
  write();
  emit(reason);
}

async function withLock(fn) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request("sonantica-session", fn);
  return fn();
}

async function renew() {
  await withLock(async () => {
    const saved = read(); // another tab may have renewed the pair meanwhile
    if (saved.refresh && saved.access && saved.expiresAt - Date.now() > MARGIN_MS) {
      state = saved;
      return;
    }
    if (!saved.refresh) {
      forget("signed-out");
      return;
    }
    try {
      accept(await publicJson("/api/auth/refresh", { refresh_token: saved.refresh }));
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        forget("expired");
        throw new ApiError(401, err.code, "Your session has ended. Sign in again.");
      }
      throw err;
    }
  });
}

/** A valid access token (renewed first when close to expiry), or null when signed out. */
export async function accessToken({ force = false } = {}) {
  if (!state.refresh) return null;
  if (force || !state.access || state.expiresAt - Date.now() < MARGIN_MS) {
    if (force) state.access = null;
    renewing = renewing || renew().finally(() => (renewing = null));
    await renewing;
  }
  return state.access;
}

/** Sign out this browser (the refresh token is revoked on the server). */
export async function signOut() {
  const token = state.access && state.expiresAt > Date.now() ? state.access : null;
  const refresh = state.refresh;
  if (token && refresh) {
    try {
      await send("/api/auth/logout", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: refresh }),
      });
    } catch {
      /* signed out here all the same; the refresh token expires on its own */
    }
  }
  forget("signed-out");
}

window.addEventListener("storage", (event) => {
  if (event.key !== KEY) return;
  const was = state.user?.id;
  state = read();
  if (state.user?.id !== was) emit(state.user ? "signed-in" : "signed-out");
});
