// Options of `init` and of the script tag's data attributes, with their defaults.

export const AUTOCAPTURE_KINDS = ["pageview", "click", "scroll", "submit"];

export const DEFAULTS = {
  server: "",
  key: "",
  autocapture: true,
  debug: false,
  respectDoNotTrack: false,
  flushIntervalMs: 100,
  maxQueueEvents: 1000,
  maxQueueBytes: 1048576,
  maxInFlightFrames: 8,
  heartbeatIntervalMs: 15000,
  ackTimeoutMs: 10000,
  fallbackAfter: 3,
  reconnectBaseMs: 1000,
  reconnectMaxMs: 15000,
  sessionTimeoutMs: 30 * 60 * 1000,
};

/**
 * Normalises `autocapture`, which may be a boolean, an object such as `{ scroll: false }`, or a list of the
 * kinds to turn on, into `{ pageview, click, scroll, submit }` booleans.
 */
export function normalizeAutocapture(value) {
  const result = {};
  for (const kind of AUTOCAPTURE_KINDS) {
    if (Array.isArray(value)) result[kind] = value.includes(kind);
    else if (value && typeof value === "object") result[kind] = value[kind] !== false;
    else result[kind] = value !== false;
  }
  return result;
}

/** Merges `options` over the defaults. Unknown keys are kept, so that a newer page works with an older SDK. */
export function normalizeConfig(options) {
  const config = { ...DEFAULTS, ...(options || {}) };
  config.server = String(config.server || "").replace(/\/+$/, "");
  config.key = String(config.key || "");
  config.autocapture = normalizeAutocapture(config.autocapture);
  return config;
}

// A data attribute turns a flag on when present, unless its value is "false" or "0".
const flag = (value) => (value === undefined ? undefined : value !== "false" && value !== "0");

/**
 * Reads options from a script tag: `data-server` (default: the origin the script came from), `data-key`,
 * `data-autocapture` ("false", or a comma-separated list of kinds), `data-debug` and `data-respect-dnt`.
 */
export function readScriptOptions(script) {
  const data = (script && script.dataset) || {};
  const kinds = data.autocapture && data.autocapture.trim();
  let autocapture = true;
  if (kinds === "false") autocapture = false;
  else if (kinds && kinds !== "true") autocapture = kinds.split(/\s*,\s*/);
  return {
    // An inline script has no src; such a page must set data-server.
    server: data.server || (script && script.src ? new URL(script.src).origin : ""),
    key: data.key,
    autocapture,
    debug: flag(data.debug),
    respectDoNotTrack: flag(data.respectDnt),
  };
}
