// One album: cover, facts, and its tracks by disc.

import { api } from "../api.js";
import { coverImage } from "../covers.js";
import { h } from "../dom.js";
import { count, longDuration } from "../format.js";
import { queue } from "../player/queue.js";
import { addToPlaylist } from "../ui/playlist-picker.js";
import { staticTrackList } from "../ui/tracks.js";

export async function render(root, { params, signal }) {
  const album = await api(`/api/library/albums/${encodeURIComponent(params.id)}`, { signal });
  const tracks = album.tracks || [];
  const discs = [...new Set(tracks.map((t) => t.disc_number || 1))];
  const artists = (album.artists || []).length ? album.artists.map((a, i) => [i ? ", " : "", h("a", { href: `#/artist/${a.id}` }, a.name)]) :
    album.artist || "Various artists";
  // An album without a cover of its own shows its first track's (embedded art).
  const own = album.links && album.links.cover && album.links.cover.includes("v=") ? album.links.cover : null;
  const cover = own || (tracks.find((t) => t.links && t.links.cover && t.links.cover.includes("v="))?.links.cover) || album.links.cover;
  root.append(h("div", { class: "album-head" },
    coverImage(cover, 512, `Cover of ${album.title}`, { width: 220, height: 220 }),
    h("div", { class: "meta" },
      h("p", { class: "muted" }, album.compilation ? "Compilation" : "Album"),
      h("h1", { tabindex: "-1" }, album.title),
      h("p", {}, artists),
      h("p", { class: "muted" }, [album.year, count(tracks.length, "track"), longDuration(album.duration),
        album.lossless ? "lossless" : null, ...(album.genres || []).map((g) => g.name)].filter(Boolean).join(" · ")),
      h("div", { class: "actions" },
        h("button", { class: "btn primary", type: "button", "aria-label": `Play ${album.title}`, onclick: () => queue.replace(tracks) }, "Play"),
        h("button", { class: "btn", type: "button", onclick: () => queue.addLater(tracks) }, "Add to queue"),
        h("button", { class: "btn", type: "button", onclick: () => addToPlaylist(tracks) }, "Add to playlist…")))));
  for (const disc of discs) {
    const on = tracks.filter((t) => (t.disc_number || 1) === disc);
    if (discs.length > 1) root.append(h("h2", {}, `Disc ${disc}`));
    root.append(staticTrackList(on, {
      label: discs.length > 1 ? `Disc ${disc}` : "Tracks",
      numbers: (t, i) => String(t.track_number || i + 1),
      showAlbum: false,
      playable: tracks,
    }));
  }
}
