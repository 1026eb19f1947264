// Albums: a virtualised cover grid, in the order chosen.

import { withQuery } from "../api.js";
import { coverImage } from "../covers.js";
import { h } from "../dom.js";
import { navigate } from "../router.js";
import { VirtualList } from "../ui/vlist.js";

const SORTS = [["title", "Title"], ["artist", "Artist"], ["year", "Year"], ["added", "Recently added"]];

/** An album card (a link to its page). */
export function albumCard(album, size = 256) {
  return h("a", { class: "card", href: `#/album/${album.id}`, "aria-label": `${album.title}, ${album.artist || "various artists"}` },
    coverImage(album.links && album.links.cover, size, ""),
    h("div", { class: "name ellipsis" }, album.title),
    h("div", { class: "sub ellipsis" }, [album.artist, album.year].filter(Boolean).join(" · ")));
}

export async function render(root, { query, signal }) {
  const sort = SORTS.some(([v]) => v === query.get("sort")) ? query.get("sort") : "title";
  const order = sort === "added" ? "desc" : "asc";
  const genre = query.get("genre");
  root.classList.add("fill");
  const select = h("select", { id: "album-sort", class: "inline" },
    SORTS.map(([value, label]) => h("option", { value, selected: value === sort }, label)));
  select.addEventListener("change", () => navigate(`/albums?sort=${select.value}${genre ? "&genre=" + encodeURIComponent(genre) : ""}`, { replace: true }));
  root.append(h("div", { class: "view-head" },
    h("h1", { tabindex: "-1" }, genre ? `Albums · ${query.get("name") || "genre"}` : "Albums"),
    h("label", { for: "album-sort" }, "Sort by"), select));
  const list = new VirtualList({
    url: withQuery("/api/library/albums", { sort, order, genre, limit: 120 }),
    label: "Albums",
    rowHeight: 230,
    minColumn: 170,
    signal,
    empty: "No albums yet. An admin can scan the music folders from Admin → Scans.",
    render: (album) => albumCard(album),
  }).mount(root);
  return () => list.destroy();
}
