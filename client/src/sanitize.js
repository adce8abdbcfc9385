// Turns arbitrary values from the host page into JSON-safe values, and fits a whole event under the
// server's limits. Pure functions: no DOM access beyond duck-typing the values they are given.
import { cleanString, codePointLength, truncate, utf8Length } from "./truncate.js";

const MAX_DEPTH = 10;
const MAX_KEYS = 1000;
const MAX_KEY_CODE_POINTS = 200;

/** Limits of the server, in code points, for the event fields it checks. */
export const FIELD_LIMITS = {
  event_type: 100,
  event_name: 200,
  event_value: 8192,
  session_id: 200,
  distinct_id: 200,
  url: 4096,
  referrer: 4096,
  title: 1000,
};

/** Describes a DOM node briefly, e.g. `<button#save>`, without reading any user input. */
export const describeNode = (node) => `<${String(node.nodeName).toLowerCase()}${node.id ? `#${node.id}` : ""}>`;

function sanitizeObject(value, ancestors, depth) {
  if (ancestors.has(value)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[max depth]";
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return value.slice(0, MAX_KEYS).map((item) => {
        const safe = sanitizeValue(item, ancestors, depth + 1);
        return safe === undefined ? null : safe;
      });
    }
    const result = {};
    for (const key of Object.keys(value).slice(0, MAX_KEYS)) {
      const safe = sanitizeValue(readProperty(value, key), ancestors, depth + 1);
      const safeKey = truncate(cleanString(String(key)), MAX_KEY_CODE_POINTS);
      // Assigning "__proto__" would replace the prototype instead of adding a key.
      if (safe !== undefined && safeKey !== "__proto__") result[safeKey] = safe;
    }
    return result;
  } finally {
    ancestors.delete(value);
  }
}

const UNREADABLE = {};

// Reads one property; a getter that throws yields a marker so that only that value is lost.
function readProperty(holder, key) {
  try {
    return holder[key];
  } catch {
    return UNREADABLE;
  }
}

/**
 * Returns a JSON-safe copy of `value`: strings are cleaned of NUL and lone surrogates; NaN and Infinity
 * become null; BigInt becomes a decimal string; Dates become ISO strings; Errors become {name, message,
 * stack}; DOM nodes and windows become short descriptions; cycles become "[circular]"; functions and
 * undefined are dropped from objects; other objects keep their own enumerable properties (a Map or Set
 * becomes {}). A getter that throws turns only its own value into "[unreadable]".
 */
export function sanitizeValue(value, ancestors = new Set(), depth = 0) {
  try {
    switch (typeof value) {
      case "string":
        return cleanString(value);
      case "number":
        return Number.isFinite(value) ? value : null;
      case "boolean":
        return value;
      case "bigint":
        return value.toString();
      case "symbol":
        return cleanString(value.toString());
      case "function":
      case "undefined":
        return undefined;
    }
    if (value === null) return null;
    if (value === UNREADABLE) return "[unreadable]";
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (value instanceof Error) {
      const error = { name: cleanString(String(value.name)), message: cleanString(String(value.message)) };
      if (typeof value.stack === "string") error.stack = cleanString(value.stack);
      return error;
    }
    const isNode = typeof value.nodeType === "number" && typeof value.nodeName === "string";
    if (isNode) return cleanString(describeNode(value));
    if (value.window === value) return "[window]";
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[binary ${value.byteLength} bytes]`;
    if (typeof value.toJSON === "function" && depth < MAX_DEPTH) {
      const json = value.toJSON();
      if (json !== value) return sanitizeValue(json, ancestors, depth + 1);
    }
    return sanitizeObject(value, ancestors, depth);
  } catch {
    return "[unreadable]";
  }
}

/** Returns sanitized properties: always a plain object, whatever `properties` was. */
export function sanitizeProperties(properties) {
  const safe = properties && typeof properties === "object" ? sanitizeValue(properties) : undefined;
  return safe && typeof safe === "object" && !Array.isArray(safe) ? safe : {};
}

/** Counts the bytes of a JSON-safe value serialised as JSON in UTF-8. */
export function jsonBytes(value) {
  return utf8Length(JSON.stringify(value));
}

const UNCUT_FIELDS = ["event_id", "session_id", "distinct_id"];

// Collects every string in the event's fields and properties, with a setter to replace it. The path of a
// nested string is the path of its top-level property, e.g. "properties.cart".
function collectStrings(event) {
  const found = [];
  const visit = (holder, key, path) => {
    const value = holder[key];
    if (typeof value === "string") {
      found.push({ path, value, length: value.length, set: (text) => (holder[key] = text) });
    } else if (value && typeof value === "object") {
      const nested = path.startsWith("properties.");
      for (const child of Object.keys(value)) visit(value, child, nested ? path : `${path}.${child}`);
    }
  };
  for (const key of Object.keys(event)) if (!UNCUT_FIELDS.includes(key)) visit(event, key, key);
  return found;
}

/**
 * Cuts the fields of an event (already sanitized) to the server's limits, in place, and returns the event.
 * Each cut field is named in `properties.$truncated`. When the event is still over `maxEventBytes` as JSON,
 * the longest strings are halved until it fits. When only non-string data is left to cut, the properties
 * are replaced by `{ $truncated: [..., "properties"] }`.
 */
export function fitEvent(event, maxEventBytes) {
  const cut = new Set();
  for (const field of Object.keys(FIELD_LIMITS)) {
    const value = event[field];
    const limit = FIELD_LIMITS[field];
    if (typeof value === "string" && value.length > limit && codePointLength(value) > limit) {
      event[field] = truncate(value, limit);
      cut.add(field);
    }
  }
  const markCuts = () => {
    if (cut.size) event.properties.$truncated = Array.from(cut);
  };
  markCuts();

  for (let round = 0; round < 64 && jsonBytes(event) > maxEventBytes; round++) {
    const strings = collectStrings(event);
    let longest = null;
    for (const candidate of strings) if (!longest || candidate.length > longest.length) longest = candidate;
    if (!longest || longest.length < 32) {
      cut.add("properties");
      event.properties = {};
      markCuts();
      break;
    }
    longest.set(truncate(longest.value, Math.floor(codePointLength(longest.value) / 2)));
    cut.add(longest.path);
    markCuts();
  }
  return event;
}
