// "Add to playlist…": pick one of one's playlists, or make a new one with the tracks.

import { api } from "../api.js";
import { h } from "../dom.js";
import { askText, modal } from "./dialog.js";
import { errorInto, notify, showError } from "./toast.js";

/** Ask which playlist gets `tracks` (track items) and add them there. */
export async function addToPlaylist(tracks) {
  const ids = tracks.map((t) => t.id);
  let playlists;
  try {
    playlists = (await api("/api/playlists")).playlists.filter((p) => p.owned);
  } catch (err) {
    showError(err);
    return;
  }
  const what = tracks.length === 1 ? `“${tracks[0].title}”` : `${tracks.length} tracks`;
  const chosen = await modal(`Add ${what} to a playlist`, (close) => {
    const alert = h("p", { class: "alert", role: "alert" });
    const list = h("div", { class: "list" }, playlists.map((p) => h("button", {
      type: "button",
      onclick: async () => {
        try {
          await api(`/api/playlists/${p.id}/tracks`, { method: "POST", body: { track_ids: ids } });
          close(p.name);
        } catch (err) {
          errorInto(alert, err);
        }
      },
    }, p.name, h("span", { class: "muted" }, ` · ${p.track_count}`))));
    return h("div", { class: "form" },
      playlists.length ? list : h("p", { class: "muted" }, "You have no playlists yet."),
      alert,
      h("div", { class: "actions" },
        h("button", { class: "btn primary", type: "button", onclick: () => close("__new__") }, "New playlist…"),
        h("button", { class: "btn", type: "button", onclick: () => close(null) }, "Cancel")));
  });
  if (chosen === "__new__") {
    const made = await askText("New playlist", "Name", {
      submitLabel: "Create",
      submit: (name) => api("/api/playlists", { method: "POST", body: { name, track_ids: ids } }),
    });
    if (made) notify(`Added ${what} to the new playlist “${made.name}”.`);
  } else if (chosen) {
    notify(`Added ${what} to “${chosen}”.`);
  }
}
