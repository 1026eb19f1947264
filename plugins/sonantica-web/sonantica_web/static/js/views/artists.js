// Artists: a virtualised list.

import { withQuery } from "../api.js";
import { h } from "../dom.js";
import { count } from "../format.js";
import { navigate } from "../router.js";
import { VirtualList } from "../ui/vlist.js";

export async function render(root, { signal }) {
  root.classList.add("fill");
  root.append(h("div", { class: "view-head" }, h("h1", { tabindex: "-1" }, "Artists")));
  const list = new VirtualList({
    url: withQuery("/api/library/artists", { sort: "name", limit: 200 }),
    label: "Artists",
    rowHeight: 52,
    signal,
    empty: "No artists yet.",
    render: (artist) => h("a", { class: "row-link", href: `#/artist/${artist.id}` },
      h("span", { class: "ellipsis" }, artist.name),
      h("span", { class: "sub" }, [artist.album_count ? count(artist.album_count, "album") : null, count(artist.track_count, "track")].filter(Boolean).join(" · "))),
    activate: (artist, i, e) => e.type === "keydown" && navigate(`/artist/${artist.id}`),
  }).mount(root);
  return () => list.destroy();
}
