// A virtualised list or grid over a keyset-paged listing: only the visible items are in the
// page, the next page is fetched as the end comes near, and the arrow keys move between items.

import { api } from "../api.js";
import { h } from "../dom.js";
import { errorInto } from "./toast.js";

const OVERSCAN = 6;

export class VirtualList {
  /**
   * @param {object} o
   * @param {string|null} o.url      the first page (`next` links are followed), or null with `items`
   * @param {Array} [o.items]        items known already
   * @param {function} o.render      (item, index) → Element; the element is positioned by the list
   * @param {function} [o.activate]  (item, index, event) on Enter or click
   * @param {number} o.rowHeight     pixels per row
   * @param {number} [o.minColumn]   grid: the narrowest column, pixels (rows of several items)
   * @param {string} o.label         the list's accessible name
   * @param {string} [o.empty]       what to say when there is nothing
   */
  constructor(o) {
    this.o = o;
    this.items = o.items ? [...o.items] : [];
    this.next = o.url || null;
    this.loading = null;
    this.columns = 1;
    this.rendered = new Map();
    this.focusIndex = 0;
    this.el = h("div", { class: "vlist", role: "list", "aria-label": o.label, tabindex: "-1" });
    this.spacer = h("div", { class: "vlist-spacer" });
    this.status = h("div", { class: "vlist-status", role: "status" });
    this.el.append(this.spacer, this.status);
    this.el.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.el.addEventListener("keydown", (e) => this.key(e));
    this.resizer = new ResizeObserver(() => this.schedule());
    this.resizer.observe(this.el);
    this.frame = 0;
    if (!this.next) this.finished();
  }

  /** Stop observing (the view is leaving). */
  destroy() {
    this.resizer.disconnect();
    cancelAnimationFrame(this.frame);
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.update();
    });
  }

  finished() {
    this.status.textContent = this.items.length ? "" : this.o.empty || "Nothing here yet.";
  }

  async more() {
    if (!this.next || this.loading) return this.loading;
    this.status.textContent = "Loading…";
    this.loading = (async () => {
      try {
        const page = await api(this.next, { signal: this.o.signal });
        this.items.push(...page.items);
        this.next = page.next;
        if (this.o.onPage) this.o.onPage(this.items);
        if (!this.next) this.finished();
        else this.status.textContent = "";
      } catch (err) {
        this.next = null;
        errorInto(this.status, err);
      } finally {
        this.loading = null;
      }
      this.schedule();
    })();
    return this.loading;
  }

  update() {
    const width = this.el.clientWidth || 1;
    const { rowHeight, minColumn } = this.o;
    const columns = minColumn ? Math.max(1, Math.floor(width / minColumn)) : 1;
    if (columns !== this.columns) {
      this.columns = columns;
      for (const el of this.rendered.values()) el.remove();
      this.rendered.clear();
    }
    const rows = Math.ceil(this.items.length / columns);
    this.spacer.style.height = `${rows * rowHeight}px`;
    const top = this.el.scrollTop;
    const firstRow = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
    const lastRow = Math.min(rows - 1, Math.ceil((top + this.el.clientHeight) / rowHeight) + OVERSCAN);
    const first = firstRow * columns;
    const last = Math.min(this.items.length - 1, (lastRow + 1) * columns - 1);
    for (const [index, el] of this.rendered) {
      if (index < first || index > last) {
        if (el.contains(document.activeElement)) continue; // keep the focused item
        el.remove();
        this.rendered.delete(index);
      }
    }
    const cell = width / columns;
    for (let index = first; index <= last; index++) {
      if (this.rendered.has(index)) continue;
      const content = this.o.render(this.items[index], index);
      content.tabIndex = index === this.focusIndex ? 0 : -1;
      const el = h("div", { class: "vlist-item", role: "listitem", "aria-posinset": String(index + 1),
        "aria-setsize": this.next ? "-1" : String(this.items.length), dataset: { index: String(index) } }, content);
      if (!content.matches("a, button") && content.hasAttribute("aria-label")) el.setAttribute("aria-label", content.getAttribute("aria-label"));
      el.style.top = `${Math.floor(index / columns) * rowHeight}px`;
      el.style.height = `${rowHeight}px`;
      if (columns > 1) {
        el.style.left = `${(index % columns) * cell}px`;
        el.style.width = `${cell}px`;
        el.style.right = "auto";
      }
      if (this.o.activate) {
        el.addEventListener("click", (e) => {
          if (e.target.closest("button, a, input, select")) return;
          this.focusIndex = index;
          this.o.activate(this.items[index], index, e);
        });
      }
      this.spacer.append(el);
      this.rendered.set(index, el);
    }
    if (this.next && lastRow >= rows - OVERSCAN - 1) this.more();
  }

  /** Move the keyboard focus to item `index`, scrolling it into view. */
  async focus(index) {
    while (index >= this.items.length && this.next) await this.more();
    index = Math.max(0, Math.min(this.items.length - 1, index));
    if (index < 0 || !this.items.length) return;
    const old = this.rendered.get(this.focusIndex);
    if (old) old.firstElementChild.tabIndex = -1;
    this.focusIndex = index;
    const { rowHeight } = this.o;
    const y = Math.floor(index / this.columns) * rowHeight;
    if (y < this.el.scrollTop) this.el.scrollTop = y;
    else if (y + rowHeight > this.el.scrollTop + this.el.clientHeight) this.el.scrollTop = y + rowHeight - this.el.clientHeight;
    this.update();
    const el = this.rendered.get(index);
    if (el) {
      el.firstElementChild.tabIndex = 0;
      el.firstElementChild.focus({ preventScroll: true });
    }
  }

  key(e) {
    const item = e.target.closest(".vlist-item");
    if (!item || e.target !== item.firstElementChild) return;
    const index = Number(item.dataset.index);
    const page = Math.max(1, Math.floor(this.el.clientHeight / this.o.rowHeight)) * this.columns;
    const moves = {
      ArrowDown: this.columns, ArrowUp: -this.columns, PageDown: page, PageUp: -page,
      ArrowRight: this.columns > 1 ? 1 : 0, ArrowLeft: this.columns > 1 ? -1 : 0,
    };
    if (e.key in moves && moves[e.key]) {
      e.preventDefault();
      this.focus(index + moves[e.key]);
    } else if (e.key === "Home") {
      e.preventDefault();
      this.focus(0);
    } else if (e.key === "End") {
      e.preventDefault();
      this.focus(this.items.length - 1);
    } else if (e.key === "Enter" && this.o.activate) {
      e.preventDefault();
      this.o.activate(this.items[index], index, e);
    }
  }

  /** Mount into `parent` and show the first page. */
  mount(parent) {
    parent.append(this.el);
    this.update();
    if (this.next && !this.items.length) this.more();
    return this;
  }

  /** Re-render the visible items (e.g. the playing track changed). */
  refresh() {
    for (const el of this.rendered.values()) el.remove();
    this.rendered.clear();
    this.update();
  }
}
