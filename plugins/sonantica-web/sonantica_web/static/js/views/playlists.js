// One's playlists, and making a new one.

import { api } from "../api.js";
import { h } from "../dom.js";
import { count } from "../format.js";
import { navigate } from "../router.js";
import { errorInto } from "../ui/toast.js";

export async function render(root, { signal }) {
  const { playlists } = await api("/api/playlists", { signal });
  const alert = h("p", { class: "alert", role: "alert" });
  const name = h("input", { id: "new-playlist", required: true, maxlength: 200, autocomplete: "off", class: "inline" });
  const form = h("form", { class: "actions", "aria-label": "New playlist" },
    h("label", { for: "new-playlist", class: "visually-hidden" }, "New playlist name"), name,
    h("button", { class: "btn primary", type: "submit" }, "Create playlist"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const made = await api("/api/playlists", { method: "POST", body: { name: name.value.trim() } });
      navigate(`/playlist/${made.id}`);
    } catch (err) {
      errorInto(alert, err);
    }
  });
  name.placeholder = "Name of a new playlist";
  root.append(h("div", { class: "view-head" }, h("h1", { tabindex: "-1" }, "Playlists"), form), alert);
  if (!playlists.length) {
    root.append(h("p", { class: "muted" }, "No playlists yet. Make one here, or use “Add to playlist…” on any track."));
    return;
  }
  root.append(h("ul", { class: "static-list plain-list", "aria-label": "Your playlists" }, playlists.map((p) =>
    h("li", {}, h("a", { class: "row-link", href: `#/playlist/${p.id}` },
      h("span", { class: "ellipsis" }, p.name),
      h("span", { class: "sub" }, [p.public ? "public" : null, count(p.track_count, "track")].filter(Boolean).join(" · ")))))));
}
