// The queue: what plays now and next; move, remove, clear.

import { h } from "../dom.js";
import { clock, count } from "../format.js";
import { queue } from "../player/queue.js";
import { menuButton } from "../ui/menu.js";
import { trackActions } from "../ui/tracks.js";

function draw(root) {
  root.replaceChildren();
  root.append(h("div", { class: "view-head" },
    h("h1", { tabindex: "-1" }, "Queue"),
    h("span", { class: "muted" }, count(queue.items.length, "track")),
    h("button", { class: "btn", type: "button", disabled: !queue.items.length, onclick: () => queue.clear() }, "Clear queue")));
  if (!queue.items.length) {
    root.append(h("p", { class: "muted" }, "The queue is empty. Play an album, or “Add to queue” from any track."));
    return;
  }
  const list = h("ol", { class: "static-list", "aria-label": "Queue", style: "list-style:none;padding:0;margin:0" });
  queue.items.forEach((track, i) => {
    const now = i === queue.index;
    list.append(h("li", { class: `track-row${now ? " playing" : ""}`, "aria-current": now ? "true" : null, dataset: { trackId: track.id } },
      h("span", { class: "num" }, now ? "▶" : String(i + 1)),
      h("span", { class: "ellipsis" }, h("span", { class: "title" }, track.title), h("br"), h("span", { class: "sub" }, track.artist || "")),
      h("span", { class: "actions" },
        h("button", { class: "btn small", type: "button", disabled: i === 0, "aria-label": `Move ${track.title} up`, onclick: () => queue.move(i, i - 1) }, "↑"),
        h("button", { class: "btn small", type: "button", disabled: i === queue.items.length - 1, "aria-label": `Move ${track.title} down`, onclick: () => queue.move(i, i + 1) }, "↓")),
      h("button", { class: "btn small", type: "button", onclick: () => queue.go(i), "aria-label": `Play ${track.title}` }, "Play"),
      h("span", { class: "dur" }, clock(track.duration)),
      menuButton(`More actions for ${track.title}`, () => [
        ...trackActions(track).slice(3),
        { label: "Remove from queue", run: () => queue.remove(i) },
      ])));
  });
  root.append(list);
}

export async function render(root) {
  const redraw = () => draw(root);
  queue.addEventListener("change", redraw);
  draw(root);
  return () => queue.removeEventListener("change", redraw);
}
