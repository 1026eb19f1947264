// Numbers a person reads: times, sizes, sample rates, keys, loudness.

/** 3:07, or 1:02:03. */
export function clock(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "–:––";
  const s = Math.floor(seconds % 60);
  const m = Math.floor(seconds / 60) % 60;
  const hours = Math.floor(seconds / 3600);
  const mm = hours ? String(m).padStart(2, "0") : String(m);
  return `${hours ? hours + ":" : ""}${mm}:${String(s).padStart(2, "0")}`;
}

/** "1 h 12 min" for an album's length. */
export function longDuration(seconds) {
  if (!Number.isFinite(seconds)) return "";
  const minutes = Math.round(seconds / 60);
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

/** "44.1 kHz". */
export function kilohertz(rate) {
  if (!rate) return "";
  const k = rate / 1000;
  return `${Number.isInteger(k) ? k : k.toFixed(1)} kHz`;
}

/** "FLAC", "MP3", "Opus"... from a track's audio block. */
export function formatName(audio) {
  const codec = (audio && (audio.codec || audio.container)) || "";
  const names = { flac: "FLAC", mp3: "MP3", aac: "AAC", alac: "ALAC", opus: "Opus", vorbis: "Vorbis", pcm: "PCM", wavpack: "WavPack", dsd: "DSD" };
  return names[codec.toLowerCase()] || codec.toUpperCase();
}

/** Whether the audio is beyond CD quality. */
export function isHiRes(audio) {
  return Boolean(audio && audio.lossless && ((audio.sample_rate || 0) > 48000 || (audio.bit_depth || 0) > 16));
}

/** "24/96" for 24-bit 96 kHz. */
export function resolution(audio) {
  if (!audio || !audio.bit_depth || !audio.sample_rate) return "";
  const k = audio.sample_rate / 1000;
  return `${audio.bit_depth}/${Number.isInteger(k) ? k : k.toFixed(1)}`;
}

/** "-9.5 LUFS". */
export function lufs(value) {
  return Number.isFinite(value) ? `${value.toFixed(1)} LUFS` : "";
}

/** "+3.2 dB". */
export function decibels(value) {
  return Number.isFinite(value) ? `${value > 0 ? "+" : ""}${value.toFixed(1)} dB` : "";
}

/** "124 BPM". */
export function bpm(value) {
  return Number.isFinite(value) ? `${Math.round(value)} BPM` : "";
}

/** "3 tracks". */
export function count(n, one, many = one + "s") {
  return `${n} ${n === 1 ? one : many}`;
}
