// The Media Session API: lock-screen and keyboard media keys, title and artwork.

import { coverUrl, sized } from "../covers.js";

const supported = "mediaSession" in navigator;

/** Wire the media keys to `controls` ({play, pause, next, previous, seek(time)}). */
export function bindMediaKeys(controls) {
  if (!supported) return;
  const actions = {
    play: () => controls.play(),
    pause: () => controls.pause(),
    nexttrack: () => controls.next(),
    previoustrack: () => controls.previous(),
    seekto: (d) => controls.seek(d.seekTime),
    seekbackward: (d) => controls.skip(-(d.seekOffset || 10)),
    seekforward: (d) => controls.skip(d.seekOffset || 10),
  };
  for (const [name, fn] of Object.entries(actions)) {
    try {
      navigator.mediaSession.setActionHandler(name, fn);
    } catch {
      /* this browser does not offer that action */
    }
  }
}

/** Show `track` on the lock screen. */
export async function showTrack(track) {
  if (!supported) return;
  const metadata = new MediaMetadata({
    title: track.title,
    artist: track.artist || "",
    album: (track.album && track.album.title) || "",
  });
  navigator.mediaSession.metadata = metadata;
  const link = sized(track.links && track.links.cover, 512);
  if (!link) return;
  try {
    const src = await coverUrl(link);
    if (navigator.mediaSession.metadata === metadata) metadata.artwork = [{ src, sizes: "512x512" }];
  } catch {
    /* no artwork */
  }
}

/** Say whether it plays, and where it stands. */
export function showState(el) {
  if (!supported) return;
  navigator.mediaSession.playbackState = el.paused ? "paused" : "playing";
  if (Number.isFinite(el.duration) && el.duration > 0) {
    try {
      navigator.mediaSession.setPositionState({ duration: el.duration, position: Math.min(el.currentTime, el.duration), playbackRate: el.playbackRate });
    } catch {
      /* a position the browser refuses */
    }
  }
}
