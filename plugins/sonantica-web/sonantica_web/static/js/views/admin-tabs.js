// The tabs of the admin pages.

import { h } from "../dom.js";

const TABS = [["users", "Users"], ["scans", "Scans"], ["plugins", "Plugins"]];

/** The admin heading and tabs, `at` being the current one. */
export function adminHead(at) {
  return [
    h("h1", { tabindex: "-1" }, "Admin"),
    h("nav", { class: "tabs", "aria-label": "Admin sections" }, TABS.map(([name, label]) =>
      h("a", { href: `#/admin/${name}`, "aria-current": name === at ? "page" : null }, label))),
  ];
}
