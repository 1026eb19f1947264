// Admin: scan the music folders now, follow it live (the event stream), read what failed.

import { api } from "../api.js";
import { h } from "../dom.js";
import { onEvent } from "../events.js";
import { showError } from "../ui/toast.js";
import { adminHead } from "./admin-tabs.js";

function progressOf(data) {
  const phase = { walking: "Looking for files", reading: "Reading files", finishing: "Finishing", done: "Done" }[data.phase] || data.phase;
  const of = data.files_to_read ? ` ${data.files_read} of ${data.files_to_read}` : data.files_seen ? ` (${data.files_seen} files seen)` : "";
  return `${phase}${of} — ${data.added} added, ${data.changed} changed, ${data.removed} removed, ${data.problems} problems`;
}

function runsTable(runs) {
  return h("table", { class: "data", "aria-label": "Recent scans" },
    h("thead", {}, h("tr", {}, ["Started", "Status", "Files", "Added", "Changed", "Removed", "Problems"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, runs.map((run) => h("tr", {},
      h("td", {}, new Date(run.started_at).toLocaleString()),
      h("td", {}, run.status, run.error ? h("span", { class: "error-text" }, ` — ${run.error}`) : null),
      h("td", {}, String(run.files_seen)), h("td", {}, String(run.added)), h("td", {}, String(run.changed)),
      h("td", {}, String(run.removed)), h("td", {}, String(run.problems))))));
}

export async function render(root, { signal }) {
  const [runs, problems] = await Promise.all([
    api("/api/admin/scans?limit=10", { signal }),
    api("/api/admin/scan-problems?limit=100", { signal }),
  ]);
  const bar = h("progress", { max: "1", value: "0", "aria-label": "Scan progress", hidden: true });
  const line = h("p", { role: "status", id: "scan-status" }, "");
  const runsHost = h("div", {}, runsTable(runs.items));
  const button = h("button", { class: "btn primary", type: "button" }, "Scan now");
  const refresh = async () => {
    try {
      runsHost.replaceChildren(runsTable((await api("/api/admin/scans?limit=10")).items));
    } catch (err) {
      showError(err);
    }
  };
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const run = await api("/api/admin/scans", { method: "POST", body: {} });
      line.textContent = `Scan ${run.id} is queued; a worker starts it.`;
      refresh();
    } catch (err) {
      showError(err);
      button.disabled = false;
    }
  });
  const stops = [
    onEvent("scan.progress", (data) => {
      bar.hidden = false;
      button.disabled = true;
      if (data.files_to_read) {
        bar.max = data.files_to_read;
        bar.value = data.files_read;
      } else bar.removeAttribute("value");
      line.textContent = progressOf(data);
    }),
    onEvent("scan.finished", (data) => {
      bar.hidden = true;
      button.disabled = false;
      line.textContent = `Scan finished in ${Math.round(data.seconds)} s — ${data.added} added, ${data.changed} changed, ${data.removed} removed, ${data.problems} problems.`;
      refresh();
    }),
  ];
  root.append(...adminHead("scans"),
    h("div", { class: "actions" }, button), bar, line,
    h("h2", {}, "Recent scans"), runsHost,
    h("h2", {}, `Files that could not be read (${problems.total})`),
    problems.items.length ? h("table", { class: "data", "aria-label": "Scan problems" },
      h("thead", {}, h("tr", {}, ["File", "Kind", "Why"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, problems.items.map((p) => h("tr", {},
        h("td", {}, `${p.root}/${p.path}`), h("td", {}, p.kind), h("td", {}, p.reason || ""))))) :
      h("p", { class: "muted" }, "None."));
  return () => stops.forEach((stop) => stop());
}
