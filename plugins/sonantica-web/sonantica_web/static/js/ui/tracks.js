// Track rows: title, artist, album, badges, length, and the actions every track has.

import { h } from "../dom.js";
import { clock } from "../format.js";
import { navigate } from "../router.js";
import { queue } from "../player/queue.js";
import { coverImage } from "../covers.js";
import { trackBadges } from "./badges.js";
import { menuButton } from "./menu.js";
import { addToPlaylist } from "./playlist-picker.js";
import { notify } from "./toast.js";

/** The actions of one track; `extra` are added (e.g. "Remove from playlist"). */
export function trackActions(track, extra = []) {
  return [
    { label: "Play now", run: () => queue.playNow([track]) },
    { label: "Play next", run: () => (queue.playNext([track]), notify(`“${track.title}” plays next.`)) },
    { label: "Add to queue", run: () => (queue.addLater([track]), notify(`Added “${track.title}” to the queue.`)) },
    { label: "Add to playlist…", run: () => addToPlaylist([track]) },
    track.album && track.album.id ? { label: "Go to album", run: () => navigate(`/album/${track.album.id}`) } : null,
    track.artists && track.artists[0] ? { label: "Go to artist", run: () => navigate(`/artist/${track.artists[0].id}`) } : null,
    ...extra,
  ];
}

/**
 * One row. `number`: what the first column shows ("3", or a cover when "cover").
 * The row plays on click/Enter through its list; the button opens its actions.
 */
export function trackRow(track, { number = "", extra = [], showAlbum = true } = {}) {
  const playing = queue.current() && queue.current().id === track.id;
  const first = number === "cover" ? coverImage(track.links && track.links.cover, 64, "", { width: 40, height: 40 }) :
    h("span", { class: "num" }, number);
  const artist = track.artist || (track.artists || []).map((a) => a.name).join(", ");
  return h("div", { class: `track-row${playing ? " playing" : ""}`, "aria-label": `${track.title}${artist ? ", " + artist : ""}`,
    "aria-current": playing ? "true" : null, dataset: { trackId: track.id } },
    first,
    h("span", { class: "ellipsis" }, h("span", { class: "title" }, track.title), h("br"), h("span", { class: "sub" }, artist || "Unknown artist")),
    h("span", { class: "ellipsis sub col-album" }, showAlbum && track.album ? track.album.title : ""),
    trackBadges(track, { compact: true }),
    h("span", { class: "dur" }, clock(track.duration)),
    menuButton(`More actions for ${track.title}`, () => trackActions(track, extra)));
}

/** A non-virtual list of rows (albums, playlists): click or Enter plays from that row. */
export function staticTrackList(tracks, { label, numbers = (t, i) => String(i + 1), extra = () => [], showAlbum = true, playable = tracks } = {}) {
  const list = h("div", { class: "static-list", role: "list", "aria-label": label });
  tracks.forEach((track, i) => {
    const row = trackRow(track, { number: numbers(track, i), extra: extra(track, i), showAlbum });
    row.setAttribute("role", "listitem");
    row.tabIndex = 0;
    const play = () => {
      const at = playable.indexOf(track);
      if (at >= 0) queue.replace(playable, at);
    };
    row.addEventListener("click", (e) => {
      if (!e.target.closest("button, a")) play();
    });
    row.addEventListener("keydown", (e) => {
      if (e.target !== row) return;
      if (e.key === "Enter") play();
      else if (e.key === "ArrowDown" && row.nextElementSibling) row.nextElementSibling.focus();
      else if (e.key === "ArrowUp" && row.previousElementSibling) row.previousElementSibling.focus();
      else return;
      e.preventDefault();
    });
    list.append(row);
  });
  return list;
}

/** Mark the playing track in every row on the page. */
export function markPlaying() {
  const id = queue.current() ? String(queue.current().id) : null;
  for (const row of document.querySelectorAll(".track-row")) {
    const on = row.dataset.trackId === id;
    row.classList.toggle("playing", on);
    if (on) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
  }
}
