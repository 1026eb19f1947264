// The now-playing panel: the cover, everything known about the sound, and the lyrics.

import { h, clear } from "../dom.js";
import { coverImage } from "../covers.js";
import { bpm, decibels, formatName, isHiRes, kilohertz, lufs } from "../format.js";
import { isAbort } from "../http.js";
import { trackBadges } from "../ui/badges.js";
import { current, currentFeatures, currentTrack, player } from "./engine.js";
import { fetchLyrics, showLyrics } from "./lyrics.js";

let panel = null;
let body = null;
let follow = () => {};
let lyricsFor = null;
let lyricsAbort = null;
let features = {};

function facts(track, f) {
  const audio = track.audio || {};
  const rows = [
    ["Format", [formatName(audio), audio.lossless ? (isHiRes(audio) ? "lossless, hi-res" : "lossless") : "lossy"].filter(Boolean).join(", ")],
    ["Sample rate", kilohertz(audio.sample_rate)],
    ["Bit depth", audio.bit_depth ? `${audio.bit_depth} bit` : ""],
    ["Channels", audio.channels ? String(audio.channels) : ""],
    ["Bitrate", audio.bitrate ? `${Math.round(audio.bitrate / 1000)} kb/s` : ""],
    ["Tempo", bpm(f.bpm)],
    ["Key", [f.key, f.mode].filter(Boolean).join(" ") + (f.camelot_key ? ` (Camelot ${f.camelot_key})` : "")],
    ["Loudness", lufs(f.loudness_lufs)],
    ["Loudness range", Number.isFinite(f.loudness_range_lu) ? `${f.loudness_range_lu.toFixed(1)} LU` : ""],
    ["True peak", Number.isFinite(f.true_peak_dbtp) ? `${f.true_peak_dbtp.toFixed(1)} dBTP` : ""],
    ["ReplayGain (track)", decibels(f.replaygain_track_gain)],
    ["ReplayGain (album)", decibels(f.replaygain_album_gain)],
  ].filter(([, value]) => value && value.trim());
  return h("dl", {}, rows.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
}

function render() {
  if (!panel || panel.hidden) return;
  const track = currentTrack();
  clear(body);
  if (!track) {
    body.append(h("p", { class: "muted" }, "Nothing is playing."));
    return;
  }
  const f = currentFeatures() || {};
  body.append(
    coverImage(track.links && track.links.cover, 512, `Cover of ${track.album ? track.album.title : track.title}`, { class: "cover big-cover" }),
    h("h3", {}, track.title),
    h("p", {}, track.artist || ""),
    trackBadges({ ...track, analysis: { ...(track.analysis || {}), ...f } }),
    facts(track, f));
  if (features.lyrics) {
    const host = h("div", { class: "lyrics", "aria-label": "Lyrics" }, h("p", { class: "muted" }, "Looking for lyrics…"));
    body.append(h("h3", {}, "Lyrics"), host);
    loadLyrics(track, host);
  }
}

async function loadLyrics(track, host) {
  if (lyricsAbort) lyricsAbort.abort();
  lyricsAbort = new AbortController();
  lyricsFor = track.id;
  follow = () => {};
  try {
    const lyrics = await fetchLyrics(track.id, lyricsAbort.signal);
    if (lyricsFor !== track.id) return;
    follow = showLyrics(host, lyrics);
    follow(current().currentTime);
  } catch (err) {
    if (!isAbort(err)) {
      clear(host);
      host.append(h("p", { class: "error-text" }, err.message));
    }
  }
}

/** Open or close the panel. */
export function togglePanel(button) {
  panel.hidden = !panel.hidden;
  button.setAttribute("aria-expanded", String(!panel.hidden));
  if (!panel.hidden) {
    render();
    panel.querySelector("h2").focus();
  } else {
    if (lyricsAbort) lyricsAbort.abort();
    button.focus();
  }
}

/** The panel element (hidden at first); `flags` says which optional parts the server offers. */
export function nowPlayingPanel(flags, closeButton) {
  features = flags || {};
  body = h("div");
  panel = h("aside", { class: "panel", id: "now-playing", hidden: true, "aria-labelledby": "now-playing-title" },
    h("div", { class: "view-head" }, h("h2", { id: "now-playing-title", tabindex: "-1" }, "Now playing"), closeButton),
    body);
  player.addEventListener("track", render);
  player.addEventListener("analysis", render);
  player.addEventListener("time", (e) => follow(e.detail.time));
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closeButton.click();
  });
  return panel;
}
