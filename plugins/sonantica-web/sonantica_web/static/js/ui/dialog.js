// Modal dialogs on <dialog>: asking for a name, confirming, picking a playlist.

import { h } from "../dom.js";
import { errorInto } from "./toast.js";

/** Show a modal dialog built by `build(close)`; resolves with what `close(value)` was given. */
export function modal(title, build) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { "aria-label": title });
    let result = null;
    const close = (value) => {
      result = value;
      dialog.close();
    };
    dialog.append(h("h2", {}, title), build(close));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * Ask for one line of text; `submit(value)` may throw an ApiError, shown in the dialog.
 * Resolves with submit's result, or null when cancelled.
 */
export function askText(title, label, { value = "", submitLabel = "Save", submit = (v) => v } = {}) {
  return modal(title, (close) => {
    const input = h("input", { id: "dialog-text", value, required: true, autocomplete: "off" });
    const alert = h("p", { class: "alert", role: "alert" });
    const form = h("form", { class: "form", method: "dialog" },
      h("div", { class: "field" }, h("label", { for: "dialog-text" }, label), input),
      alert,
      h("div", { class: "actions" },
        h("button", { class: "btn primary", type: "submit" }, submitLabel),
        h("button", { class: "btn", type: "button", onclick: () => close(null) }, "Cancel")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      try {
        close(await submit(text));
      } catch (err) {
        errorInto(alert, err);
      }
    });
    setTimeout(() => input.focus(), 0);
    return form;
  });
}

/** Ask yes or no. */
export function confirmAction(title, text, yes = "Delete") {
  return modal(title, (close) => h("div", { class: "form" },
    h("p", {}, text),
    h("div", { class: "actions" },
      h("button", { class: "btn danger", type: "button", onclick: () => close(true) }, yes),
      h("button", { class: "btn", type: "button", onclick: () => close(false), autofocus: true }, "Cancel"))));
}
