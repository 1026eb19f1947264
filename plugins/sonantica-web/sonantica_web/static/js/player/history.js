// Play history: time actually listened is counted, and a play is reported once it counts
// (half the track, or 30 seconds) when the track ends or another one starts.

import { api } from "../api.js";

const CLIENT = "Sonántica web";
let listen = null;

/** Start counting a play of `track`. */
export function startListening(track) {
  listen = { trackId: track.id, duration: track.duration || 0, seconds: 0, last: null, reported: false };
}

/** Count the time between two `timeupdate`s of the playing element. */
export function tick(el) {
  if (!listen || el.paused || el.seeking) {
    if (listen) listen.last = el.currentTime;
    return;
  }
  const now = el.currentTime;
  if (listen.last !== null) {
    const step = now - listen.last;
    if (step > 0 && step < 2) listen.seconds += step;
  }
  listen.last = now;
}

/** A seek: the jump is not listening. */
export function seeked(el) {
  if (listen) listen.last = el.currentTime;
}

/** Report the play if it counts; `completed` when the track played to its end. */
export function finishListening(completed, { keepalive = false } = {}) {
  const play = listen;
  listen = null;
  if (!play || play.reported) return;
  const enough = Math.min(30, Math.max(1, play.duration * 0.5));
  if (!completed && play.seconds < enough) return;
  play.reported = true;
  api("/api/history", {
    method: "POST",
    keepalive,
    body: { track_id: play.trackId, duration_played: Math.round(play.seconds * 10) / 10, completed, client: CLIENT },
  }).catch((err) => console.warn("the play was not recorded:", err.message));
}
