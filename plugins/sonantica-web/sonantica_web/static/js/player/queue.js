// The play queue: what plays now, next and later. Saved per user, so a reload keeps it.

import { currentUser } from "../session.js";

const MAX_ITEMS = 2000;
const FIELDS = ["id", "title", "artist", "artists", "album", "album_artist", "duration", "audio", "analysis", "links", "track_number", "disc_number"];

function slim(track) {
  const out = {};
  for (const name of FIELDS) if (track[name] !== undefined) out[name] = track[name];
  return out;
}

class Queue extends EventTarget {
  constructor() {
    super();
    this.items = [];
    this.index = -1;
  }

  /** The playing track, or null. */
  current() {
    return this.items[this.index] || null;
  }

  /** The track after the current one, or null. */
  upcoming() {
    return this.items[this.index + 1] || null;
  }

  changed(action = null) {
    this.save();
    this.dispatchEvent(new CustomEvent("change", { detail: { action } }));
  }

  /** Play `tracks` from `start`, replacing the queue. */
  replace(tracks, start = 0) {
    this.items = tracks.slice(0, MAX_ITEMS).map(slim);
    this.index = this.items.length ? Math.min(start, this.items.length - 1) : -1;
    this.changed(this.index >= 0 ? "play" : "stop");
  }

  /** Play `tracks` now, before what was queued. */
  playNow(tracks) {
    if (this.index < 0) return this.replace(tracks);
    this.items.splice(this.index + 1, 0, ...tracks.map(slim));
    this.index += 1;
    this.changed("play");
  }

  /** Queue `tracks` right after the current one. */
  playNext(tracks) {
    if (this.index < 0) return this.replace(tracks);
    this.items.splice(this.index + 1, 0, ...tracks.map(slim));
    this.changed();
  }

  /** Queue `tracks` at the end. */
  addLater(tracks) {
    if (this.index < 0 && !this.items.length) return this.replace(tracks);
    this.items.push(...tracks.map(slim));
    this.items = this.items.slice(0, MAX_ITEMS);
    this.changed();
  }

  /** Remove item `i`; removing the playing one plays the next. */
  remove(i) {
    if (i < 0 || i >= this.items.length) return;
    this.items.splice(i, 1);
    if (i < this.index) {
      this.index -= 1;
      this.changed();
    } else if (i === this.index) {
      if (this.index >= this.items.length) this.index = this.items.length - 1;
      this.changed(this.index >= 0 ? "play" : "stop");
    } else this.changed();
  }

  /** Move item `from` to position `to`. */
  move(from, to) {
    if (from === to || from < 0 || to < 0 || from >= this.items.length || to >= this.items.length) return;
    const [item] = this.items.splice(from, 1);
    this.items.splice(to, 0, item);
    if (this.index === from) this.index = to;
    else if (from < this.index && to >= this.index) this.index -= 1;
    else if (from > this.index && to <= this.index) this.index += 1;
    this.changed();
  }

  /** Empty the queue (playback stops). */
  clear() {
    this.items = [];
    this.index = -1;
    this.changed("stop");
  }

  /** Play item `i`. */
  go(i) {
    if (i < 0 || i >= this.items.length) return false;
    this.index = i;
    this.changed("play");
    return true;
  }

  next() {
    return this.go(this.index + 1);
  }

  previous() {
    return this.go(this.index - 1);
  }

  key() {
    const user = currentUser();
    return user ? `sonantica.queue.${user.id}` : null;
  }

  save() {
    const key = this.key();
    if (!key) return;
    try {
      localStorage.setItem(key, JSON.stringify({ items: this.items, index: this.index }));
    } catch {
      /* storage full: the queue still works, it is just not kept */
    }
  }

  /** Load the signed-in user's saved queue (without playing it). */
  restore() {
    const key = this.key();
    this.items = [];
    this.index = -1;
    try {
      const saved = key && JSON.parse(localStorage.getItem(key) || "null");
      if (saved && Array.isArray(saved.items)) {
        this.items = saved.items;
        this.index = Math.min(saved.index ?? -1, this.items.length - 1);
      }
    } catch {
      /* a damaged entry: start empty */
    }
    this.dispatchEvent(new CustomEvent("change", { detail: { action: "restore" } }));
  }
}

export const queue = new Queue();
