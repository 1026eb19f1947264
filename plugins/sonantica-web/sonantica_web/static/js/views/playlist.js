// One playlist: play it, rename it, make it public, remove tracks, delete it.

import { api } from "../api.js";
import { h } from "../dom.js";
import { count, longDuration } from "../format.js";
import { navigate, resolve } from "../router.js";
import { queue } from "../player/queue.js";
import { askText, confirmAction } from "../ui/dialog.js";
import { notify, showError } from "../ui/toast.js";
import { staticTrackList } from "../ui/tracks.js";

/** A playlist entry as a track item the player and the rows understand. */
function asTrack(entry) {
  return { id: entry.track_id, title: entry.title, artist: entry.artist, duration: entry.duration, links: { cover: `/api/covers/track/${entry.track_id}` } };
}

export async function render(root, { params, signal }) {
  const id = encodeURIComponent(params.id);
  const playlist = await api(`/api/playlists/${id}`, { signal });
  const entries = playlist.tracks.filter((t) => t.available);
  const tracks = entries.map(asTrack);
  const length = entries.reduce((sum, t) => sum + (t.duration || 0), 0);
  const change = async (body, done) => {
    try {
      await api(`/api/playlists/${id}`, { method: "PATCH", body });
      notify(done);
      resolve();
    } catch (err) {
      showError(err);
    }
  };
  const owner = playlist.owned;
  const publicBox = h("input", { type: "checkbox", id: "playlist-public", checked: playlist.public, disabled: !owner });
  publicBox.addEventListener("change", () => change({ public: publicBox.checked }, publicBox.checked ? "The playlist is public." : "The playlist is private."));
  root.append(h("div", { class: "view-head" },
    h("div", {},
      h("p", { class: "muted" }, owner ? "Your playlist" : "A public playlist"),
      h("h1", { tabindex: "-1" }, playlist.name),
      playlist.description ? h("p", {}, playlist.description) : null,
      h("p", { class: "muted" }, [count(entries.length, "track"), longDuration(length)].join(" · "))),
    h("div", { class: "actions" },
      h("button", { class: "btn primary", type: "button", "aria-label": `Play ${playlist.name}`, disabled: !tracks.length, onclick: () => queue.replace(tracks) }, "Play"),
      h("button", { class: "btn", type: "button", disabled: !tracks.length, onclick: () => queue.addLater(tracks) }, "Add to queue"),
      owner ? h("button", { class: "btn", type: "button", onclick: async () => {
        const name = await askText("Rename the playlist", "Name", { value: playlist.name, submit: (v) => v });
        if (name) change({ name }, `Renamed to “${name}”.`);
      } }, "Rename…") : null,
      owner ? h("button", { class: "btn danger", type: "button", onclick: async () => {
        if (!(await confirmAction("Delete the playlist?", `“${playlist.name}” will be gone; its tracks stay in the library.`))) return;
        try {
          await api(`/api/playlists/${id}`, { method: "DELETE" });
          notify(`Deleted “${playlist.name}”.`);
          navigate("/playlists");
        } catch (err) {
          showError(err);
        }
      } }, "Delete") : null,
      h("label", { class: "check" }, publicBox, "Public"))));
  if (!entries.length) {
    root.append(h("p", { class: "muted" }, "This playlist is empty. Use “Add to playlist…” on any track."));
    return;
  }
  root.append(staticTrackList(tracks, {
    label: "Playlist tracks",
    showAlbum: false,
    extra: (track, i) => owner ? [{ label: "Remove from playlist", run: async () => {
      try {
        await api(`/api/playlists/${id}/tracks/${entries[i].position}`, { method: "DELETE" });
        notify(`Removed “${track.title}”.`);
        resolve();
      } catch (err) {
        showError(err);
      }
    } }] : [],
  }));
}
