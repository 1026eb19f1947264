// Search as you type: artists, albums and tracks that match every word (accents, case and
// typos forgiven by the server), with the corrections it made.

import { api, withQuery } from "../api.js";
import { h } from "../dom.js";
import { count } from "../format.js";
import { albumCard } from "./albums.js";
import { staticTrackList } from "../ui/tracks.js";

export async function render(root, { query, signal }) {
  const q = (query.get("q") || "").trim();
  root.append(h("h1", { class: "visually-hidden" }, "Search"));
  if (!q) {
    root.append(h("p", { class: "muted" }, "Type in the search box to find artists, albums and tracks."));
    return;
  }
  const status = h("p", { class: "muted", role: "status" }, "Searching…");
  root.append(status);
  const result = await api(withQuery("/api/search", { q, limit: 20 }), { signal });
  const total = result.artists.length + result.albums.length + result.tracks.length;
  const corrected = Object.entries(result.corrections || {});
  status.textContent = total ? `${count(total, "result")} for “${q}”` : `Nothing found for “${q}”.`;
  if (corrected.length) {
    root.append(h("p", { class: "notice" }, "Also searched for ",
      corrected.map(([typed, words], i) => [i ? ", " : "", h("strong", {}, words.join(" / ")), ` (for “${typed}”)`]), "."));
  }
  if (result.artists.length) {
    root.append(h("h2", {}, "Artists"), h("div", { class: "static-list" }, result.artists.map((a) =>
      h("a", { class: "row-link", href: `#/artist/${a.id}` }, h("span", {}, a.name), h("span", { class: "sub" }, count(a.track_count, "track"))))));
  }
  if (result.albums.length) root.append(h("h2", {}, "Albums"), h("div", { class: "grid-static" }, result.albums.map((a) => albumCard(a))));
  if (result.tracks.length) root.append(h("h2", {}, "Tracks"), staticTrackList(result.tracks, { label: "Tracks found", numbers: () => "cover" }));
}
