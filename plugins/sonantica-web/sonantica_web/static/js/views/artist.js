// One artist: their albums, the albums they appear on, and playing all their tracks.

import { allPages, api } from "../api.js";
import { h } from "../dom.js";
import { queue } from "../player/queue.js";
import { showError } from "../ui/toast.js";
import { albumCard } from "./albums.js";

export async function render(root, { params, signal }) {
  const artist = await api(`/api/library/artists/${encodeURIComponent(params.id)}`, { signal });
  const playAll = async (add) => {
    try {
      const tracks = await allPages(artist.links.tracks, { max: 2000 });
      if (add) queue.addLater(tracks);
      else queue.replace(tracks);
    } catch (err) {
      showError(err);
    }
  };
  root.append(h("div", { class: "view-head" },
    h("h1", { tabindex: "-1" }, artist.name),
    h("div", { class: "actions" },
      h("button", { class: "btn primary", type: "button", onclick: () => playAll(false) }, "Play all"),
      h("button", { class: "btn", type: "button", onclick: () => playAll(true) }, "Add all to queue"))));
  const grid = (albums) => h("div", { class: "grid-static" }, albums.map((a) => albumCard(a)));
  if ((artist.albums || []).length) root.append(h("h2", {}, "Albums"), grid(artist.albums));
  if ((artist.appearances || []).length) root.append(h("h2", {}, "Appears on"), grid(artist.appearances));
  if (!(artist.albums || []).length && !(artist.appearances || []).length) root.append(h("p", { class: "muted" }, "No albums."));
}
