// The seek bar: wavesurfer.js draws the peaks of GET /api/tracks/{id}/waveform over the
// playing <audio> element; a click or drag seeks, and so do the arrow keys (it is a slider).

import WaveSurfer from "../../vendor/wavesurfer/wavesurfer.esm.js";
import { api } from "../api.js";
import { clock } from "../format.js";
import { isAbort } from "../http.js";

const FLAT = Array.from({ length: 200 }, () => 0.015);
let ws = null;
let host = null;
let note = null;
let shown = null;

/** Peaks for wavesurfer (one channel, 0..1) from an audiowaveform document. */
export function peaksOf(doc) {
  const channels = doc.channels || 1;
  const scale = 2 ** ((doc.bits || 8) - 1);
  const data = doc.data || [];
  const points = Math.floor(data.length / (2 * channels));
  const peaks = new Array(points);
  for (let i = 0; i < points; i++) {
    let top = 0;
    for (let c = 0; c < channels; c++) {
      const at = (i * channels + c) * 2;
      top = Math.max(top, Math.abs(data[at]), Math.abs(data[at + 1]));
    }
    peaks[i] = Math.min(1, top / scale);
  }
  return peaks.length ? peaks : FLAT;
}

/** Put the waveform into `container` (a focusable slider) with `noteEl` for its state. */
export function mountWaveform(container, noteEl) {
  host = container;
  note = noteEl;
  host.addEventListener("keydown", (e) => {
    const media = ws && ws.getMediaElement();
    if (!media || !Number.isFinite(media.duration)) return;
    const steps = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5, PageUp: 30, PageDown: -30 };
    if (e.key in steps) media.currentTime = Math.max(0, Math.min(media.duration, media.currentTime + steps[e.key]));
    else if (e.key === "Home") media.currentTime = 0;
    else if (e.key === "End") media.currentTime = Math.max(0, media.duration - 1);
    else return;
    e.preventDefault();
  });
}

/** Update the slider's values for assistive technology. */
export function describePosition(time, duration) {
  if (!host) return;
  host.setAttribute("aria-valuemax", String(Math.round(duration || 0)));
  host.setAttribute("aria-valuenow", String(Math.round(time || 0)));
  host.setAttribute("aria-valuetext", `${clock(time)} of ${clock(duration)}`);
}

/** Show `track`'s waveform over `media`; `ready`: whether the analysis made its peaks. */
export async function showWaveform(track, media, ready) {
  shown = track.id;
  let peaks = FLAT;
  if (ready) {
    try {
      peaks = peaksOf(await api(`/api/tracks/${track.id}/waveform`));
    } catch (err) {
      if (!isAbort(err)) console.warn("no waveform:", err.message);
    }
  }
  if (shown !== track.id) return;
  note.textContent = ready ? "" : "Waveform: analysing…";
  host.dataset.trackId = String(track.id);
  host.dataset.peaks = ready ? "yes" : "no";
  const duration = track.duration || (Number.isFinite(media.duration) ? media.duration : 1);
  if (!ws) {
    ws = WaveSurfer.create({
      container: host, media, url: media.src, peaks: [peaks], duration, height: "auto",
      waveColor: "#5b6270", progressColor: "#f2b84b", cursorColor: "#eef0f4", cursorWidth: 2,
      barWidth: 2, barGap: 1, barRadius: 2, normalize: ready, dragToSeek: true,
    });
    ws.on("error", (err) => console.warn("waveform:", err && err.message));
    return;
  }
  if (ws.getMediaElement() !== media) ws.setMediaElement(media);
  ws.setOptions({ normalize: ready });
  try {
    await ws.load(media.src, [peaks], duration);
  } catch (err) {
    if (!isAbort(err)) console.warn("waveform:", err.message);
  }
}
