// One's plays, newest first.

import { api, withQuery } from "../api.js";
import { h } from "../dom.js";
import { clock } from "../format.js";

export async function render(root, { query, signal }) {
  const before = query.get("before");
  const page = await api(withQuery("/api/history", { limit: 100, before }), { signal });
  root.append(h("div", { class: "view-head" }, h("h1", { tabindex: "-1" }, "History")));
  if (!page.history.length) {
    root.append(h("p", { class: "muted" }, "Nothing played yet."));
    return;
  }
  root.append(h("table", { class: "data" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "Track"), h("th", { scope: "col" }, "Listened"))),
    h("tbody", {}, page.history.map((entry) => h("tr", {},
      h("td", {}, new Date(entry.played_at).toLocaleString()),
      h("td", {}, entry.title, entry.artist ? h("span", { class: "muted" }, ` · ${entry.artist}`) : null),
      h("td", {}, entry.completed ? "to the end" : clock(entry.duration_played)))))));
  if (page.next_before) root.append(h("p", {}, h("a", { href: `#/history?before=${page.next_before}` }, "Older plays")));
}
