// Playback: two <audio> elements, one playing and one holding the next track (preloaded, so
// the next track starts at once), signed stream URLs (no token in any URL or log), volume
// with ReplayGain, and the play history.

import { api } from "../api.js";
import { onEvent } from "../events.js";
import { isAbort } from "../http.js";
import { notify, showError } from "../ui/toast.js";
import { finishListening, seeked, startListening, tick } from "./history.js";
import { bindMediaKeys, showState, showTrack } from "./mediasession.js";
import { queue } from "./queue.js";
import { gainFactor } from "./replaygain.js";
import { showWaveform } from "./waveform.js";

const SETTINGS_KEY = "sonantica.player";
const URL_MARGIN_MS = 60_000;

/** Events: "track" (a new track is loaded), "state" (play/pause), "time", "analysis", "volume". */
export const player = new EventTarget();

const elements = [makeElement("a"), makeElement("b")];
let active = 0;
let preloaded = null; // {trackId, expires} for elements[1 - active]
let track = null;
let features = null;
let waveformReady = false;
let loadCount = 0;
let settings = { volume: 0.9, replaygain: "track" };
try {
  settings = { ...settings, ...JSON.parse(localStorage.getItem(SETTINGS_KEY) || "{}") };
} catch {
  /* defaults */
}

function emit(type, detail = {}) {
  player.dispatchEvent(new CustomEvent(type, { detail }));
}

function makeElement(name) {
  const el = document.createElement("audio");
  el.preload = "auto";
  el.dataset.player = name;
  el.addEventListener("timeupdate", () => {
    if (el !== current()) return;
    tick(el);
    emit("time", { time: el.currentTime, duration: el.duration });
    showState(el);
  });
  el.addEventListener("seeked", () => el === current() && seeked(el));
  el.addEventListener("play", () => el === current() && (emit("state"), showState(el)));
  el.addEventListener("pause", () => el === current() && (emit("state"), showState(el)));
  el.addEventListener("loadedmetadata", () => el === current() && emit("time", { time: el.currentTime, duration: el.duration }));
  el.addEventListener("ended", () => {
    if (el !== current()) return;
    finishListening(true);
    if (!queue.next()) emit("state");
  });
  el.addEventListener("error", () => el === current() && failed(el));
  return el;
}

/** The element that plays now. */
export function current() {
  return elements[active];
}

/** The track loaded now, or null. */
export function currentTrack() {
  return track;
}

/** Its analysis features (null until known). */
export function currentFeatures() {
  return features;
}

async function streamUrl(trackId) {
  const answer = await api(`/api/tracks/${trackId}/stream-url`);
  return { url: answer.url, expires: answer.expires * 1000 };
}

async function failed(el) {
  const expired = Number(el.dataset.expires || 0) - Date.now() < URL_MARGIN_MS;
  if (expired && track) {
    // the signed URL ran out (a long pause): a fresh one, at the same place
    const at = el.currentTime;
    try {
      const fresh = await streamUrl(track.id);
      el.src = fresh.url;
      el.dataset.expires = String(fresh.expires);
      el.currentTime = at;
      await el.play();
      return;
    } catch (err) {
      showError(err);
      return;
    }
  }
  const reasons = { 2: "the network failed while loading it", 3: "it could not be decoded", 4: "this browser cannot play its format" };
  showError(new Error(`“${track ? track.title : "This track"}” cannot be played: ${reasons[el.error && el.error.code] || "the file could not be loaded"}.`));
  emit("state");
}

function applyVolume() {
  const { factor, gain } = gainFactor(settings.replaygain, track, features);
  current().volume = Math.max(0, Math.min(1, settings.volume * factor));
  emit("volume", { volume: settings.volume, gain, mode: settings.replaygain });
}

function save() {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
}

/** The listener's volume (0..1) and ReplayGain mode ("off", "track", "album"). */
export function playerSettings() {
  return { ...settings };
}

export function setVolume(volume) {
  settings.volume = Math.max(0, Math.min(1, volume));
  save();
  applyVolume();
}

export function setReplayGain(mode) {
  settings.replaygain = ["off", "track", "album"].includes(mode) ? mode : "track";
  save();
  applyVolume();
}

async function readAnalysis(forTrack, count) {
  try {
    const info = await api(`/api/tracks/${forTrack.id}/analysis`);
    if (count !== loadCount) return;
    features = info.features;
    waveformReady = info.analyzers.some((a) => a.name === "waveform" && a.status === "done");
    applyVolume();
    emit("analysis", { track: forTrack, features });
    await showWaveform(forTrack, current(), waveformReady);
  } catch (err) {
    if (!isAbort(err) && count === loadCount) showError(err);
  }
}

/** Load `next` into the spare element so that it starts at once. */
async function preloadNext() {
  const next = queue.upcoming();
  if (!next) {
    preloaded = null;
    return;
  }
  if (preloaded && preloaded.trackId === next.id && preloaded.expires - Date.now() > URL_MARGIN_MS) return;
  const count = loadCount;
  try {
    const stream = await streamUrl(next.id);
    if (count !== loadCount || queue.upcoming() !== next) return;
    const spare = elements[1 - active];
    spare.pause();
    spare.src = stream.url;
    spare.dataset.expires = String(stream.expires);
    preloaded = { trackId: next.id, expires: stream.expires };
  } catch (err) {
    if (!isAbort(err)) console.warn("could not preload the next track:", err.message);
  }
}

/** Load `next` (a track item) and play it unless `autoplay` is false. */
async function load(next, autoplay = true) {
  finishListening(false);
  const count = ++loadCount;
  const spare = elements[1 - active];
  const ready = preloaded && preloaded.trackId === next.id && preloaded.expires - Date.now() > URL_MARGIN_MS;
  preloaded = null;
  if (!ready) {
    let stream;
    try {
      stream = await streamUrl(next.id);
    } catch (err) {
      showError(err);
      return;
    }
    if (count !== loadCount) return;
    spare.src = stream.url;
    spare.dataset.expires = String(stream.expires);
  } else if (spare.currentTime) {
    spare.currentTime = 0;
  }
  const previous = current();
  previous.pause();
  active = 1 - active;
  spare.dataset.active = "true";
  delete previous.dataset.active;
  track = next;
  features = null;
  waveformReady = false;
  startListening(next);
  applyVolume();
  emit("track", { track: next });
  showTrack(next);
  if (autoplay) {
    spare.play().catch((err) => {
      if (err.name === "NotAllowedError") notify("Press play to start.");
      else if (err.name !== "AbortError") showError(err);
    });
  }
  readAnalysis(next, count);
  preloadNext();
}

function stop() {
  finishListening(false);
  loadCount += 1;
  for (const el of elements) {
    el.pause();
    el.removeAttribute("src");
    delete el.dataset.active;
  }
  track = null;
  features = null;
  preloaded = null;
  emit("track", { track: null });
  emit("state");
}

/** Play, or pause. */
export function toggle() {
  if (!track) {
    if (queue.current()) load(queue.current());
    else if (queue.items.length) queue.go(0);
    return;
  }
  const el = current();
  if (el.paused) el.play().catch((err) => err.name !== "AbortError" && showError(err));
  else el.pause();
}

export function pause() {
  current().pause();
}

export function play() {
  if (!track || current().paused) toggle();
}

/** The next track of the queue. */
export function next() {
  queue.next();
}

/** Back to the start, or (in the first seconds) the previous track. */
export function previous() {
  if (current().currentTime > 3 || !queue.previous()) current().currentTime = 0;
}

/** Seek to `time` seconds. */
export function seek(time) {
  const el = current();
  if (Number.isFinite(time)) el.currentTime = Math.max(0, Math.min(el.duration || time, time));
}

export function skip(seconds) {
  seek(current().currentTime + seconds);
}

export function isPlaying() {
  return Boolean(track) && !current().paused;
}

/** Start the engine: put the elements in the page and follow the queue and the events. */
export function startEngine() {
  for (const el of elements) if (!el.isConnected) document.body.append(el);
  queue.addEventListener("change", (e) => {
    const action = e.detail.action;
    if (action === "play") load(queue.current());
    else if (action === "stop") stop();
    else if (action === "restore") {
      if (queue.current()) load(queue.current(), false);
    } else preloadNext();
  });
  onEvent("analysis.ready", (data) => {
    if (track && data.track_id === track.id) readAnalysis(track, loadCount);
  });
  bindMediaKeys({ play, pause, next, previous, seek, skip });
  window.addEventListener("pagehide", () => finishListening(false, { keepalive: true }));
}

/** Stop everything (signing out). */
export function stopEngine() {
  stop();
}
