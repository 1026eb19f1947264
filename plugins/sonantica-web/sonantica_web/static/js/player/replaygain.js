// ReplayGain: the volume factor for a track (or its album), never above what avoids clipping.

/** The factor (0..1, as an element's volume can only lower) and the gain used, in dB. */
export function gainFactor(mode, track, features) {
  if (mode === "off") return { factor: 1, gain: null };
  const f = features || {};
  const listed = (track && track.analysis) || {};
  const trackGain = f.replaygain_track_gain ?? listed.replaygain_track_gain ?? null;
  const trackPeak = f.replaygain_track_peak ?? null;
  const gain = mode === "album" ? (f.replaygain_album_gain ?? trackGain) : trackGain;
  const peak = mode === "album" ? (f.replaygain_album_peak ?? trackPeak) : trackPeak;
  if (!Number.isFinite(gain)) return { factor: 1, gain: null };
  let factor = 10 ** (gain / 20);
  if (Number.isFinite(peak) && peak > 0) factor = Math.min(factor, 1 / peak);
  return { factor: Math.min(1, factor), gain };
}
