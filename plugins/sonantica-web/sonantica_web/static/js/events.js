// The server's event stream (GET /api/events) read with fetch, so that it carries the token
// (EventSource cannot send headers). Reconnects after a pause while someone is signed in.

import { accessToken, currentUser } from "./session.js";

const handlers = new Map();
let controller = null;
let retryTimer = null;

/** Call `fn(data)` for each event of `type`; returns the function that stops it. */
export function onEvent(type, fn) {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type).add(fn);
  return () => handlers.get(type).delete(fn);
}

function dispatch(type, data) {
  for (const fn of handlers.get(type) || []) {
    try {
      fn(data);
    } catch (err) {
      console.warn("event handler failed", type, err);
    }
  }
}

function parse(block) {
  let type = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  if (!data.length) return;
  try {
    dispatch(type, JSON.parse(data.join("\n")));
  } catch {
    /* not JSON: not one of ours */
  }
}

async function run(signal) {
  const token = await accessToken();
  if (!token) return;
  const response = await fetch("/api/events", { headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" }, signal });
  if (!response.ok || !response.body) return;
  dispatch("open", {});
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      parse(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
    }
  }
}

/** Open the stream (once); it reconnects until stopEvents(). */
export function startEvents() {
  if (controller) return;
  controller = new AbortController();
  const signal = controller.signal;
  const loop = async () => {
    try {
      await run(signal);
    } catch {
      /* dropped: reconnect below */
    }
    if (!signal.aborted && currentUser()) retryTimer = setTimeout(loop, 3000);
  };
  loop();
}

export function stopEvents() {
  clearTimeout(retryTimer);
  if (controller) controller.abort();
  controller = null;
}
