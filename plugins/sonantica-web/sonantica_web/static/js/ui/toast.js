// Short messages: polite ones (done) and errors (announced at once, kept a little longer).

import { isAbort } from "../http.js";
import { h } from "../dom.js";

function show(text, kind) {
  const host = document.getElementById(kind === "error" ? "alerts" : "toasts");
  if (!host) return;
  const item = h("div", { class: `toast ${kind}` }, text);
  host.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 3500);
}

/** Say that something was done. */
export function notify(text) {
  show(text, "info");
}

/** Show an error's readable message (cancelled requests are not errors). */
export function showError(err) {
  if (isAbort(err)) return;
  show(err && err.message ? err.message : String(err), "error");
}

/** Put the error's message into `el` (an inline role=alert element). */
export function errorInto(el, err) {
  if (isAbort(err)) return;
  el.textContent = err && err.message ? err.message : String(err);
}
