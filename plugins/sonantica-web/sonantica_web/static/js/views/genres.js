// Genres, each leading to its albums and tracks.

import { withQuery } from "../api.js";
import { h } from "../dom.js";
import { count } from "../format.js";
import { VirtualList } from "../ui/vlist.js";

export async function render(root, { signal }) {
  root.classList.add("fill");
  root.append(h("div", { class: "view-head" }, h("h1", { tabindex: "-1" }, "Genres")));
  const list = new VirtualList({
    url: withQuery("/api/library/genres", { sort: "name", limit: 200 }),
    label: "Genres",
    rowHeight: 52,
    signal,
    empty: "No genres yet.",
    render: (genre) => {
      const q = `genre=${genre.id}&name=${encodeURIComponent(genre.name)}`;
      return h("div", { class: "row-link" },
        h("span", { class: "ellipsis" }, genre.name),
        h("span", { class: "sub" },
          h("a", { href: `#/albums?${q}` }, count(genre.album_count, "album")), " · ",
          h("a", { href: `#/tracks?${q}` }, count(genre.track_count, "track"))));
    },
  }).mount(root);
  return () => list.destroy();
}
