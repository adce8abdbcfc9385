// Formatting of times, durations and field values for display, as plain text.

const pad = (number, width = 2) => String(number).padStart(width, "0");

/** Formats epoch milliseconds as local time of day, `HH:MM:SS.mmm`; "" for a missing time. */
export function timeOfDay(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "";
  const date = new Date(ms);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Formats a duration in milliseconds: "42 ms", "1.3 s", "-250 ms". */
export function duration(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "not measured";
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Describes a clock skew (server clock minus this browser's clock) in words. */
export function skewText(ms) {
  if (typeof ms !== "number") return "not measured";
  if (Math.abs(ms) < 50) return `${duration(ms)} (in sync)`;
  return ms > 0 ? `this browser is ${duration(ms)} behind the server` : `this browser is ${duration(-ms)} ahead of the server`;
}

const TIME_FIELDS = new Set(["event_starttime", "event_endtime", "received_at", "event_createdtime"]);

/** Formats one stored field for the Live view's detail table. */
export function fieldText(name, value) {
  if (value === null || value === undefined) return "null";
  if (TIME_FIELDS.has(name) && typeof value === "number") return `${new Date(value).toISOString()} (${value})`;
  if (name === "properties" && typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  if (typeof value === "object") return JSON.stringify(value, null, 2);
  return String(value);
}
