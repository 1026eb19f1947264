// Hash routes (#/album/12): the server only ever serves the one page.

const routes = [];
let current = null;
let renderer = null;

/** Declare a route: `pattern` like "/album/:id"; `view(root, {params, query, signal})`. */
export function route(pattern, view, options = {}) {
  const names = [];
  const regex = new RegExp("^" + pattern.replace(/:(\w+)/g, (_, name) => (names.push(name), "([^/]+)")) + "$");
  routes.push({ pattern, regex, names, view, options });
}

/** The path and query of the current hash. */
export function location() {
  const raw = window.location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(search) };
}

/** Go to `path` ("/albums"); `replace` keeps the history entry. */
export function navigate(path, { replace = false } = {}) {
  const hash = "#" + path;
  if (replace) history.replaceState(null, "", hash);
  else if (window.location.hash !== hash) history.pushState(null, "", hash);
  resolve();
}

function match(path) {
  for (const entry of routes) {
    const found = entry.regex.exec(path);
    if (found) {
      const params = {};
      entry.names.forEach((name, i) => (params[name] = decodeURIComponent(found[i + 1])));
      return { entry, params };
    }
  }
  return null;
}

/** Render the current route with `render(entry, params, query)` (set by the app shell). */
export function resolve() {
  if (!renderer) return;
  const { path, query } = location();
  const found = match(path);
  if (current) current.abort();
  current = new AbortController();
  renderer(found && found.entry, found ? found.params : {}, query, current.signal, path);
}

/** Start routing: `render` is called on every change of the hash. */
export function startRouter(render) {
  renderer = render;
  window.addEventListener("popstate", resolve);
  window.addEventListener("hashchange", resolve);
  resolve();
}

/** Stop routing (on sign-out). */
export function stopRouter() {
  renderer = null;
  if (current) current.abort();
  current = null;
  window.removeEventListener("popstate", resolve);
  window.removeEventListener("hashchange", resolve);
}
