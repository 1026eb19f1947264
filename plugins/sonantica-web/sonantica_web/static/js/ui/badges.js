// The sound of a track at a glance: format, resolution, BPM, key and Camelot, loudness.

import { h } from "../dom.js";
import { bpm, formatName, isHiRes, lufs, resolution } from "../format.js";

/** Badges for a track item (`compact`: format, BPM and key only). */
export function trackBadges(track, { compact = false } = {}) {
  const audio = track.audio || {};
  const analysis = track.analysis || {};
  const badges = [];
  const format = formatName(audio);
  if (format) {
    const res = resolution(audio);
    badges.push(h("span", { class: `badge ${isHiRes(audio) ? "hires" : audio.lossless ? "lossless" : ""}`,
      title: audio.lossless ? "Lossless" : "Lossy" }, res && audio.lossless ? `${format} ${res}` : format));
  }
  if (!compact && audio.lossless) badges.push(h("span", { class: "badge lossless" }, isHiRes(audio) ? "Hi-Res" : "Lossless"));
  if (Number.isFinite(analysis.bpm)) badges.push(h("span", { class: "badge", title: "Tempo" }, bpm(analysis.bpm)));
  if (analysis.key || analysis.camelot_key) {
    const text = [analysis.camelot_key, analysis.key].filter(Boolean).join(" · ");
    badges.push(h("span", { class: "badge key", title: "Key (Camelot · name)" }, text));
  }
  if (!compact && Number.isFinite(analysis.loudness_lufs)) {
    badges.push(h("span", { class: "badge", title: "Integrated loudness" }, lufs(analysis.loudness_lufs)));
  }
  return h("span", { class: "badges" }, badges);
}
