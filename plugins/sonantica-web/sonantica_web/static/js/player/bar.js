// The player bar: what plays, the transport buttons, the waveform seek bar, volume, ReplayGain.

import { h, icon } from "../dom.js";
import { coverImage } from "../covers.js";
import { clock, decibels } from "../format.js";
import { navigate } from "../router.js";
import { markPlaying } from "../ui/tracks.js";
import * as engine from "./engine.js";
import { nowPlayingPanel, togglePanel } from "./nowplaying.js";
import { describePosition, mountWaveform } from "./waveform.js";

/** The bar and its panel, wired to the engine. */
export function playerBar(features) {
  const coverSlot = h("span");
  const title = h("a", { class: "title ellipsis", href: "#/queue" }, "Nothing playing");
  const artist = h("span", { class: "sub ellipsis" }, "");
  const playButton = h("button", { class: "icon-btn play", type: "button", "aria-label": "Play" }, icon("play"));
  const elapsed = h("span", { class: "time", "aria-label": "Elapsed" }, "0:00");
  const total = h("span", { class: "time", "aria-label": "Length" }, "0:00");
  const note = h("span", { class: "wave-note", role: "status" });
  const wave = h("div", { class: "waveform", id: "waveform", role: "slider", tabindex: "0", "aria-label": "Seek",
    "aria-valuemin": "0", "aria-valuemax": "0", "aria-valuenow": "0" });
  const settings = engine.playerSettings();
  const volume = h("input", { type: "range", id: "volume", min: "0", max: "1", step: "0.01", value: settings.volume });
  const gain = h("select", { id: "replaygain", title: "ReplayGain" },
    [["off", "RG off"], ["track", "RG track"], ["album", "RG album"]].map(([value, label]) =>
      h("option", { value, selected: settings.replaygain === value }, label)));
  const gainNote = h("span", { class: "visually-hidden", role: "status" });
  const panelButton = h("button", { class: "icon-btn", type: "button", "aria-label": "Now playing and lyrics",
    "aria-controls": "now-playing", "aria-expanded": "false" }, icon("panel"));
  const closeButton = h("button", { class: "btn small", type: "button", onclick: () => togglePanel(panelButton) }, "Close");
  panelButton.addEventListener("click", () => togglePanel(panelButton));

  playButton.addEventListener("click", () => engine.toggle());
  volume.addEventListener("input", () => engine.setVolume(Number(volume.value)));
  gain.addEventListener("change", () => engine.setReplayGain(gain.value));

  const bar = h("div", { class: "player-bar", role: "region", "aria-label": "Player" },
    h("div", { class: "now" }, coverSlot, h("div", { class: "ellipsis" }, title, h("br"), artist)),
    h("div", { class: "transport" },
      h("button", { class: "icon-btn", type: "button", "aria-label": "Previous track", onclick: () => engine.previous() }, icon("prev")),
      playButton,
      h("button", { class: "icon-btn", type: "button", "aria-label": "Next track", onclick: () => engine.next() }, icon("next"))),
    h("div", { class: "seek" }, elapsed, wave, total, note),
    h("div", { class: "extras" },
      h("label", { for: "volume", class: "visually-hidden" }, "Volume"), icon("volume"), volume,
      h("label", { for: "replaygain", class: "visually-hidden" }, "ReplayGain"), gain, gainNote,
      panelButton));
  mountWaveform(wave, note);

  engine.player.addEventListener("track", (e) => {
    const track = e.detail.track;
    coverSlot.replaceChildren(track ? coverImage(track.links && track.links.cover, 128, "", { width: 56, height: 56 }) : "");
    title.textContent = track ? track.title : "Nothing playing";
    title.href = track && track.album ? `#/album/${track.album.id}` : "#/queue";
    artist.textContent = track ? track.artist || "" : "";
    total.textContent = clock(track ? track.duration : 0);
    elapsed.textContent = "0:00";
    document.title = track ? `${track.title} · Sonántica` : "Sonántica";
    markPlaying();
  });
  engine.player.addEventListener("state", () => {
    const playing = engine.isPlaying();
    playButton.replaceChildren(icon(playing ? "pause" : "play"));
    playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
  });
  engine.player.addEventListener("time", (e) => {
    const { time, duration } = e.detail;
    elapsed.textContent = clock(time);
    if (Number.isFinite(duration)) total.textContent = clock(duration);
    describePosition(time, duration);
  });
  engine.player.addEventListener("volume", (e) => {
    const { gain: db, mode } = e.detail;
    gainNote.textContent = mode === "off" ? "ReplayGain off" : db === null ? "No ReplayGain yet" : `ReplayGain ${decibels(db)}`;
    gain.title = gainNote.textContent;
  });

  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select, button, [contenteditable], [role=slider], dialog")) return;
    if (e.key === " " && !e.repeat) {
      e.preventDefault();
      engine.toggle();
    } else if (e.key === "/" ) {
      e.preventDefault();
      document.getElementById("search")?.focus();
    } else if (e.key === "q") navigate("/queue");
  });
  return h("div", { class: "player" }, bar, nowPlayingPanel(features, closeButton));
}
