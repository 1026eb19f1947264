// First run (create the first admin) and signing in.

import { h } from "../dom.js";
import { createFirstAdmin, signIn } from "../session.js";
import { errorInto } from "../ui/toast.js";

function page(title, intro, form) {
  return h("main", { class: "auth-page", id: "main" },
    h("h1", {}, h("img", { src: "assets/icon.svg", alt: "" }), title),
    intro ? h("p", { class: "muted" }, intro) : null,
    form);
}

function field(id, label, attrs) {
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, required: true, ...attrs }));
}

/** The first-run page: the server has no user yet. */
export function setupPage(root, message) {
  const alert = h("p", { class: "alert", role: "alert" }, message || "");
  const form = h("form", { class: "form", "aria-label": "Create the first admin" },
    field("setup-username", "Username", { autocomplete: "username", maxlength: 64 }),
    field("setup-password", "Password", { type: "password", autocomplete: "new-password" }),
    field("setup-confirm", "Password again", { type: "password", autocomplete: "new-password" }),
    alert,
    h("button", { class: "btn primary", type: "submit" }, "Create admin and sign in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const username = form.elements["setup-username"].value.trim();
    const password = form.elements["setup-password"].value;
    if (password !== form.elements["setup-confirm"].value) {
      alert.textContent = "The two passwords differ.";
      return;
    }
    form.querySelector("button").disabled = true;
    try {
      await createFirstAdmin(username, password);
    } catch (err) {
      errorInto(alert, err);
      form.querySelector("button").disabled = false;
    }
  });
  root.replaceChildren(page("Welcome to Sonántica",
    "This server has no account yet. Create the first one: it is an admin, who can add the others.", form));
  form.elements["setup-username"].focus();
}

/** The sign-in page. */
export function loginPage(root, message) {
  const alert = h("p", { class: "alert", role: "alert" }, message || "");
  const form = h("form", { class: "form", "aria-label": "Sign in" },
    field("login-username", "Username", { autocomplete: "username" }),
    field("login-password", "Password", { type: "password", autocomplete: "current-password" }),
    alert,
    h("button", { class: "btn primary", type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    alert.textContent = "";
    try {
      await signIn(form.elements["login-username"].value.trim(), form.elements["login-password"].value);
    } catch (err) {
      errorInto(alert, err);
      button.disabled = false;
      form.elements["login-password"].select();
    }
  });
  root.replaceChildren(page("Sign in to Sonántica", null, form));
  form.elements["login-username"].focus();
}
