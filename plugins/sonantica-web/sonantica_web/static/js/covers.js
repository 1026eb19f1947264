// Covers need a signed-in request, so <img src> cannot fetch them: they are fetched with the
// token when they scroll into view, and shown from blob: URLs (a few hundred kept).

import { apiResponse } from "./api.js";
import { h } from "./dom.js";

const MAX_KEPT = 300;
const PARALLEL = 6;
const kept = new Map(); // url -> Promise<object URL>
const waiting = [];
let running = 0;

function pump() {
  while (running < PARALLEL && waiting.length) {
    const job = waiting.shift();
    running += 1;
    job().finally(() => {
      running -= 1;
      pump();
    });
  }
}

function fetchBlobUrl(url) {
  return new Promise((resolve, reject) => {
    waiting.push(async () => {
      try {
        const response = await apiResponse(url, { headers: { Accept: "image/webp,image/*;q=0.8" } });
        resolve(URL.createObjectURL(await response.blob()));
      } catch (err) {
        reject(err);
      }
    });
    pump();
  });
}

/** The blob: URL of a cover (cached). */
export function coverUrl(url) {
  let found = kept.get(url);
  if (found) {
    kept.delete(url);
    kept.set(url, found); // most recently used last
    return found;
  }
  found = fetchBlobUrl(url);
  found.catch(() => kept.delete(url));
  kept.set(url, found);
  while (kept.size > MAX_KEPT) {
    const [oldest, promise] = kept.entries().next().value;
    kept.delete(oldest);
    promise.then((blobUrl) => setTimeout(() => URL.revokeObjectURL(blobUrl), 10_000), () => {});
  }
  return found;
}

/** `link` (a cover link from the API) at `size` pixels. */
export function sized(link, size) {
  return link ? `${link}${link.includes("?") ? "&" : "?"}size=${size}` : null;
}

const observer = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    observer.unobserve(entry.target);
    load(entry.target);
  }
}, { rootMargin: "300px" });

function load(img) {
  const src = img.dataset.cover;
  if (!src) return;
  coverUrl(src).then((blobUrl) => {
    if (img.dataset.cover === src) img.src = blobUrl;
  }, () => img.classList.add("cover-missing"));
}

/** An <img> for a cover link, loaded when it comes near the viewport. */
export function coverImage(link, size, alt = "", extra = {}) {
  const img = h("img", { class: "cover", alt, width: size, height: size, decoding: "async", ...extra });
  const src = sized(link, size);
  if (src) {
    img.dataset.cover = src;
    observer.observe(img);
  }
  return img;
}
