// Options of `EventLayerOverlay.init` and of the script tag's data attributes, with their defaults.

export const CORNERS = ["bottom-right", "bottom-left", "top-right", "top-left"];
export const VIEWS = ["log", "live", "status"];
const MIN_WIDTH = 240;
const MAX_WIDTH = 640;

export const DEFAULTS = {
  server: "",
  key: "",
  // A read key passed by the page itself. Kept in memory only; a key typed into the panel goes to
  // sessionStorage instead.
  readKey: "",
  position: "bottom-right",
  width: 300,
  collapsed: false,
  view: "log",
  accent: "#2563eb",
  theme: "light",
  title: "EventLayer",
  // The Live view's default session filter; by default the session of the EventLayer SDK on the page.
  sessionId: "",
};

/**
 * Merges `options` over the defaults and corrects values out of range: an unknown corner or view falls back
 * to the default, the width is clamped to 240-640 px, and the accent must be a hex colour.
 */
export function normalizeOptions(options) {
  const merged = { ...DEFAULTS, ...(options || {}) };
  // `apiUrl` is the name the original tracker's init used for the server's address.
  const server = merged.server || merged.apiUrl || "";
  const width = Number(merged.width);
  return {
    ...merged,
    server: String(server).replace(/\/+$/, ""),
    key: String(merged.key || ""),
    readKey: String(merged.readKey || ""),
    position: CORNERS.includes(merged.position) ? merged.position : DEFAULTS.position,
    width: Number.isFinite(width) ? Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.round(width))) : DEFAULTS.width,
    collapsed: merged.collapsed === true || merged.collapsed === "true",
    view: VIEWS.includes(merged.view) ? merged.view : DEFAULTS.view,
    accent: /^#[0-9a-f]{3}(?:[0-9a-f]{3})?$/i.test(merged.accent) ? merged.accent : DEFAULTS.accent,
    theme: merged.theme === "dark" ? "dark" : "light",
    title: String(merged.title || DEFAULTS.title).slice(0, 40),
    sessionId: String(merged.sessionId || ""),
  };
}

/**
 * Reads options from a script tag: `data-server` (default: the origin the script came from), `data-key` (the
 * write key), `data-position`, `data-width`, `data-collapsed`, `data-view`, `data-accent` and `data-theme`.
 */
export function readScriptOptions(script) {
  const data = (script && script.dataset) || {};
  const options = {
    server: data.server || (script && script.src ? new URL(script.src, location.href).origin : ""),
    key: data.key || "",
  };
  for (const name of ["position", "width", "collapsed", "view", "accent", "theme", "title"]) {
    if (data[name] !== undefined) options[name] = data[name];
  }
  return options;
}
