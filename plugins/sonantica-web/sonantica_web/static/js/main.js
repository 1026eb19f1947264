// The app shell: signed out, the first-run or sign-in page; signed in, the header, the
// navigation, the current view and the player.

import { h } from "./dom.js";
import { startEvents, stopEvents } from "./events.js";
import { isAbort } from "./http.js";
import { playerBar } from "./player/bar.js";
import { startEngine, stopEngine } from "./player/engine.js";
import { queue } from "./player/queue.js";
import { location, navigate, route, startRouter, stopRouter } from "./router.js";
import { accessToken, currentUser, isAdmin, needsSetup, onSessionChange, signOut } from "./session.js";
import { showError } from "./ui/toast.js";
import { loginPage, setupPage } from "./views/auth.js";

const features = JSON.parse(document.getElementById("features")?.textContent || "{}");
const app = document.getElementById("app");
let main = null;
let nav = null;
let cleanup = null;
let engineStarted = false;

const view = (name) => () => import(`./views/${name}.js`);
route("/albums", view("albums"));
route("/album/:id", view("album"));
route("/artists", view("artists"));
route("/artist/:id", view("artist"));
route("/tracks", view("tracks"));
route("/genres", view("genres"));
route("/search", view("search"));
route("/playlists", view("playlists"));
route("/playlist/:id", view("playlist"));
route("/queue", view("queue"));
route("/history", view("history"));
route("/admin/users", view("admin-users"), { admin: true });
route("/admin/scans", view("admin-scans"), { admin: true });
route("/admin/plugins", view("admin-plugins"), { admin: true });

const NAV = [
  ["Library", [["/albums", "Albums"], ["/artists", "Artists"], ["/tracks", "Tracks"], ["/genres", "Genres"]]],
  ["Yours", [["/playlists", "Playlists"], ["/queue", "Queue"], ["/history", "History"]]],
];

function navigation() {
  const sections = [...NAV];
  if (isAdmin()) sections.push(["Server", [["/admin/users", "Admin"]]]);
  return h("nav", { class: "nav", "aria-label": "Main" }, h("ul", {}, sections.map(([title, links]) => [
    h("li", { class: "nav-section", "aria-hidden": "true" }, title),
    links.map(([path, label]) => h("li", {}, h("a", { href: `#${path}`, dataset: { path } }, label))),
  ])));
}

function searchBox() {
  const input = h("input", { id: "search", type: "search", placeholder: "Search artists, albums, tracks  ( / )", autocomplete: "off", spellcheck: "false" });
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const q = input.value.trim();
      const here = location().path === "/search";
      if (q) navigate(`/search?q=${encodeURIComponent(q)}`, { replace: here });
      else if (here) history.back();
    }, 180);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      input.value = "";
      input.dispatchEvent(new Event("input"));
    }
  });
  return h("form", { class: "search", role: "search", onsubmit: (e) => e.preventDefault() },
    h("label", { for: "search", class: "visually-hidden" }, "Search"), input);
}

function header() {
  const user = currentUser();
  return h("header", { class: "topbar" },
    h("a", { class: "brand", href: "#/albums" }, h("img", { src: "assets/icon.svg", alt: "" }), "Sonántica"),
    searchBox(),
    h("div", { class: "account" },
      h("span", { class: "muted" }, user.username),
      h("button", { class: "btn small", type: "button", onclick: () => signOut() }, "Sign out")));
}

async function renderRoute(entry, params, query, signal, path) {
  if (path === "/") {
    navigate("/albums", { replace: true });
    return;
  }
  if (cleanup) cleanup();
  cleanup = null;
  for (const link of nav.querySelectorAll("a")) {
    const on = path === link.dataset.path || (link.dataset.path === "/admin/users" && path.startsWith("/admin/"));
    if (on) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const root = h("div", { class: "view" });
  main.replaceChildren(root);
  main.scrollTop = 0;
  if (!entry) {
    root.append(h("h1", { tabindex: "-1" }, "Not found"), h("p", {}, "There is no such page. ", h("a", { href: "#/albums" }, "Go to the albums.")));
  } else if (entry.options.admin && !isAdmin()) {
    root.append(h("h1", { tabindex: "-1" }, "Admins only"), h("p", {}, "Only an admin may see this page."));
  } else {
    try {
      const module = await entry.view();
      const done = await module.render(root, { params, query, signal });
      if (typeof done === "function") {
        if (signal.aborted) done();
        else cleanup = done;
      }
    } catch (err) {
      if (isAbort(err) || signal.aborted) return;
      root.append(h("p", { class: "alert", role: "alert" }, err.message || String(err)));
    }
  }
  if (!signal.aborted && path !== "/search") root.querySelector("h1")?.focus({ preventScroll: true });
}

function showApp() {
  app.className = "app";
  main = h("main", { class: "main", id: "main", tabindex: "-1" });
  nav = navigation();
  app.replaceChildren(header(), nav, main, playerBar(features));
  if (!engineStarted) {
    startEngine();
    engineStarted = true;
  }
  queue.restore();
  startEvents();
  startRouter(renderRoute);
}

async function showSignedOut(reason) {
  stopRouter();
  stopEvents();
  if (engineStarted) stopEngine();
  if (cleanup) cleanup();
  cleanup = null;
  app.className = "app signed-out";
  const message = reason === "expired" ? "Your session has ended. Sign in again." : "";
  try {
    if (await needsSetup()) return setupPage(app, message);
  } catch (err) {
    return loginPage(app, err.message);
  }
  loginPage(app, message);
}

async function boot() {
  window.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    showError(e.reason);
  });
  onSessionChange((user, reason) => (user ? showApp() : showSignedOut(reason)));
  if (currentUser()) {
    try {
      await accessToken();
    } catch {
      /* signed out by the failed renewal: the sign-in page follows */
    }
    if (currentUser()) {
      showApp();
      return;
    }
  }
  showSignedOut();
}

boot();
