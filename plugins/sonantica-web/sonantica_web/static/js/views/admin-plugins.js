// Admin: the installed plugins, their status, hooks and failures.

import { api } from "../api.js";
import { h } from "../dom.js";
import { adminHead } from "./admin-tabs.js";

export async function render(root, { signal }) {
  const list = await api("/api/plugins", { signal });
  root.append(...adminHead("plugins"),
    h("p", { class: "muted" }, `Plugin contract ${list.contract}.`),
    h("table", { class: "data", "aria-label": "Plugins" },
      h("thead", {}, h("tr", {}, ["Plugin", "Version", "Status", "Hooks", "Failures"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, list.plugins.map((p) => h("tr", {},
        h("td", {}, h("strong", {}, p.name), p.owned_paths.length ? h("div", { class: "muted" }, `owns ${p.owned_paths.join(", ")}`) : null),
        h("td", {}, p.version || ""),
        h("td", { class: p.status === "enabled" ? "status-enabled" : "status-other" }, p.status,
          p.error ? h("div", { class: "muted" }, p.error) : null),
        h("td", {}, p.hooks.join(", ")),
        h("td", {}, String(p.hook_failures)))))));
}
