// A small pop-up menu of actions, opened from a button; arrow keys move, Escape closes.

import { h } from "../dom.js";

let open = null;

function close(restore = true) {
  if (!open) return;
  const { menu, opener } = open;
  open = null;
  menu.remove();
  document.removeEventListener("pointerdown", outside, true);
  if (restore && opener.isConnected) opener.focus();
}

function outside(e) {
  if (open && !open.menu.contains(e.target) && e.target !== open.opener) close(false);
}

/** Open a menu next to `opener`: `actions` is [{label, run}] (null entries are skipped). */
export function openMenu(opener, actions, label) {
  close(false);
  const menu = h("div", { class: "menu", role: "menu", "aria-label": label });
  for (const action of actions.filter(Boolean)) {
    menu.append(h("button", {
      role: "menuitem", type: "button", tabindex: "-1",
      onclick: () => {
        close();
        action.run();
      },
    }, action.label));
  }
  menu.addEventListener("keydown", (e) => {
    const items = [...menu.querySelectorAll("button")];
    const at = items.indexOf(document.activeElement);
    if (e.key === "Escape" || e.key === "Tab") {
      e.preventDefault();
      close();
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      items[(at + 1) % items.length].focus();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      items[(at - 1 + items.length) % items.length].focus();
    }
  });
  document.body.append(menu);
  const box = opener.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  menu.style.left = `${Math.max(8, Math.min(box.right - width, window.innerWidth - width - 8))}px`;
  menu.style.top = `${box.bottom + height + 8 > window.innerHeight ? Math.max(8, box.top - height - 4) : box.bottom + 4}px`;
  open = { menu, opener };
  document.addEventListener("pointerdown", outside, true);
  opener.setAttribute("aria-expanded", "true");
  menu.addEventListener("remove", () => opener.setAttribute("aria-expanded", "false"));
  const first = menu.querySelector("button");
  if (first) first.focus();
}

/** A "more actions" button that opens `actions()` (computed when pressed). */
export function menuButton(label, actions) {
  const button = h("button", { class: "icon-btn", type: "button", "aria-label": label, "aria-haspopup": "menu", "aria-expanded": "false" });
  button.textContent = "⋯";
  button.addEventListener("click", (e) => {
    e.stopPropagation();
    openMenu(button, actions(), label);
  });
  return button;
}
