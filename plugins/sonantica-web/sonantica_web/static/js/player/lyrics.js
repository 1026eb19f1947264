// Lyrics from the core's lyrics chain (GET /api/tracks/{id}/lyrics: the files' tags, .lrc
// sidecars, LRCLIB ... in the server's LYRICS_ORDER), the line being sung lit up as the track plays.

import { apiResponse } from "../api.js";
import { h, clear } from "../dom.js";
import { errorOf, isAbort } from "../http.js";

const RETRIES = 6;

/** The core's answer as {synced: [{start (seconds), text}], plain, instrumental, source}. */
function fromCore(answer) {
  const first = (answer.structuredLyrics || [])[0];
  const synced = first && first.synced
    ? first.line.map((line) => ({ start: (line.start || 0) / 1000, text: line.value }))
    : [];
  return { synced, plain: answer.plain, instrumental: answer.instrumental, source: answer.source };
}

/** Fetch the lyrics of `trackId`: {synced: [{start, text}], plain} or {missing: message}. */
export async function fetchLyrics(trackId, signal) {
  for (let attempt = 0; attempt < RETRIES; attempt++) {
    let response;
    try {
      response = await apiResponse(`/api/tracks/${trackId}/lyrics`, { signal });
    } catch (err) {
      if (isAbort(err)) throw err;
      if (err.status === 404) return { missing: err.code === "no_lyrics" ? "No lyrics were found for this track." : err.message };
      throw err;
    }
    if (response.status === 200) return fromCore(await response.json());
    if (response.status !== 202) throw await errorOf(response);
    const wait = Number(response.headers.get("Retry-After") || 2);
    await new Promise((resolve) => setTimeout(resolve, Math.min(10, Math.max(1, wait)) * 1000));
    if (signal && signal.aborted) throw new DOMException("aborted", "AbortError");
  }
  return { missing: "The lyrics are still being looked up; try again in a moment." };
}

/** The lines of `lyrics` in `host`; returns follow(time), which lights up the line at `time`. */
export function showLyrics(host, lyrics) {
  clear(host);
  if (lyrics.missing) {
    host.append(h("p", { class: "muted" }, lyrics.missing));
    return () => {};
  }
  if (lyrics.instrumental) {
    host.append(h("p", { class: "muted" }, "Instrumental."));
    return () => {};
  }
  const lines = lyrics.synced || [];
  if (!lines.length) {
    for (const line of (lyrics.plain || "").split("\n")) host.append(h("p", {}, line));
    return () => {};
  }
  const nodes = lines.map((line) => h("p", { dataset: { start: line.start } }, line.text || "♪"));
  host.append(...nodes);
  let lit = -1;
  return (time) => {
    let low = 0;
    let high = lines.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (lines[mid].start <= time) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    if (found === lit) return;
    if (lit >= 0) {
      nodes[lit].classList.remove("active");
      nodes[lit].removeAttribute("aria-current");
    }
    lit = found;
    if (found >= 0) {
      nodes[found].classList.add("active");
      nodes[found].setAttribute("aria-current", "true");
      if (host.offsetParent) nodes[found].scrollIntoView({ block: "center", behavior: "smooth" });
    }
  };
}
