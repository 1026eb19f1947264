// Every track (or a genre's), virtualised: a 100,000-track library scrolls like a short one.

import { withQuery } from "../api.js";
import { h } from "../dom.js";
import { navigate } from "../router.js";
import { queue } from "../player/queue.js";
import { trackRow } from "../ui/tracks.js";
import { VirtualList } from "../ui/vlist.js";

const SORTS = [["title", "Title"], ["artist", "Artist"], ["album", "Album"], ["year", "Year"], ["added", "Recently added"],
  ["duration", "Length"], ["bpm", "BPM"]];

export async function render(root, { query, signal }) {
  const sort = SORTS.some(([v]) => v === query.get("sort")) ? query.get("sort") : "title";
  const genre = query.get("genre");
  const name = query.get("name");
  root.classList.add("fill");
  const select = h("select", { id: "track-sort", class: "inline" },
    SORTS.map(([value, label]) => h("option", { value, selected: value === sort }, label)));
  select.addEventListener("change", () => {
    const extra = genre ? `&genre=${encodeURIComponent(genre)}&name=${encodeURIComponent(name || "")}` : "";
    navigate(`/tracks?sort=${select.value}${extra}`, { replace: true });
  });
  root.append(h("div", { class: "view-head" },
    h("h1", { tabindex: "-1" }, genre ? `Tracks · ${name || "genre"}` : "Tracks"),
    h("label", { for: "track-sort" }, "Sort by"), select));
  const list = new VirtualList({
    url: withQuery("/api/library/tracks", { sort, order: sort === "added" ? "desc" : "asc", genre, limit: 200 }),
    label: "Tracks",
    rowHeight: 54,
    signal,
    empty: "No tracks yet.",
    render: (track) => trackRow(track, { number: "cover" }),
    activate: (track, index) => queue.replace(list.items.slice(index, index + 1000)),
  }).mount(root);
  return () => list.destroy();
}
