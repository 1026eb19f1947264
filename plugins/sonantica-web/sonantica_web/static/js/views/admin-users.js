// Admin: accounts. Add, make admin, disable, reset a password, remove.

import { api } from "../api.js";
import { h } from "../dom.js";
import { resolve } from "../router.js";
import { currentUser } from "../session.js";
import { askText, confirmAction } from "../ui/dialog.js";
import { errorInto, notify, showError } from "../ui/toast.js";
import { adminHead } from "./admin-tabs.js";

async function patch(user, body, done) {
  try {
    await api(`/api/users/${user.id}`, { method: "PATCH", body });
    notify(done);
    resolve();
  } catch (err) {
    showError(err);
  }
}

export async function render(root, { signal }) {
  const { users } = await api("/api/users", { signal });
  const alert = h("p", { class: "alert", role: "alert" });
  const form = h("form", { class: "form", "aria-label": "Add a user", style: "max-width:420px" },
    h("div", { class: "field" }, h("label", { for: "user-name" }, "Username"), h("input", { id: "user-name", required: true, maxlength: 64, autocomplete: "off" })),
    h("div", { class: "field" }, h("label", { for: "user-password" }, "Password"), h("input", { id: "user-password", type: "password", required: true, autocomplete: "new-password" })),
    h("label", { class: "check" }, h("input", { id: "user-admin", type: "checkbox" }), "Admin"),
    alert,
    h("div", {}, h("button", { class: "btn primary", type: "submit" }, "Add user")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const made = await api("/api/users", { method: "POST", body: {
        username: form.elements["user-name"].value.trim(),
        password: form.elements["user-password"].value,
        role: form.elements["user-admin"].checked ? "admin" : "user",
      } });
      notify(`Added ${made.username}.`);
      resolve();
    } catch (err) {
      errorInto(alert, err);
    }
  });
  const me = currentUser();
  const rows = users.map((user) => h("tr", {},
    h("td", {}, user.username, user.id === me.id ? h("span", { class: "muted" }, " (you)") : null),
    h("td", {}, user.role),
    h("td", {}, user.disabled ? "disabled" : "active"),
    h("td", {}, h("div", { class: "actions" },
      h("button", { class: "btn small", type: "button", onclick: () => patch(user, { role: user.role === "admin" ? "user" : "admin" },
        `${user.username} is now ${user.role === "admin" ? "a user" : "an admin"}.`) }, user.role === "admin" ? "Make user" : "Make admin"),
      h("button", { class: "btn small", type: "button", disabled: user.id === me.id,
        onclick: () => patch(user, { disabled: !user.disabled }, `${user.username} is ${user.disabled ? "enabled" : "disabled"}.`) },
        user.disabled ? "Enable" : "Disable"),
      h("button", { class: "btn small", type: "button", onclick: async () => {
        const password = await askText(`New password for ${user.username}`, "Password", { submitLabel: "Set password", submit: (v) => v });
        if (password) patch(user, { password }, `${user.username}'s password was changed; their sessions ended.`);
      } }, "Set password…"),
      h("button", { class: "btn small danger", type: "button", disabled: user.id === me.id, onclick: async () => {
        if (!(await confirmAction(`Remove ${user.username}?`, "Their playlists and history go with them."))) return;
        try {
          await api(`/api/users/${user.id}`, { method: "DELETE" });
          notify(`Removed ${user.username}.`);
          resolve();
        } catch (err) {
          showError(err);
        }
      } }, "Remove")))));
  root.append(...adminHead("users"),
    h("table", { class: "data", "aria-label": "Users" },
      h("thead", {}, h("tr", {}, ["Username", "Role", "State", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)),
    h("h2", {}, "Add a user"), form);
}
