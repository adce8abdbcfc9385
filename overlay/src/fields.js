// Checks the Log view's fields before anything is sent, with the server's limits (docs/events.md), so that
// most mistakes get a message next to the field. The server checks again and its response is shown too.

export const LIMITS = { event_type: 100, event_name: 200, event_value: 8192 };
const LABELS = { event_type: "Event type", event_name: "Event name", event_value: "Value" };

// Text limits count Unicode code points, as the server does.
const codePoints = (text) => Array.from(text).length;

/** Parses the properties field: "" is no properties; anything else must be a JSON object. */
export function parseProperties(text) {
  if (!text.trim()) return { value: {} };
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `Properties are not valid JSON: ${error.message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { error: 'Properties must be a JSON object, such as {"plan": "pro"}' };
  }
  return { value };
}

/**
 * Checks the form values `{ event_type, event_name, event_value, properties }` (strings). Returns
 * `{ errors }` mapping each invalid field to a message, or `{ event }` with the parsed properties.
 */
export function checkFields(values) {
  const errors = {};
  for (const field of ["event_type", "event_name", "event_value"]) {
    const text = values[field] || "";
    const length = codePoints(text);
    if (field !== "event_value" && !text.trim()) errors[field] = `${LABELS[field]} is required`;
    else if (length > LIMITS[field]) errors[field] = `${LABELS[field]} is ${length.toLocaleString("en")} characters; the limit is ${LIMITS[field].toLocaleString("en")}`;
    else if (text.includes("\u0000")) errors[field] = `${LABELS[field]} contains U+0000 (NUL), which the server rejects`;
  }
  const properties = parseProperties(values.properties || "");
  if (properties.error) errors.properties = properties.error;
  if (Object.keys(errors).length) return { errors };
  return {
    event: {
      event_type: values.event_type,
      event_name: values.event_name,
      event_value: values.event_value || "",
      properties: properties.value,
    },
  };
}

/**
 * Turns the server's response to a one-event batch into `{ status, reason }`: status is accepted, duplicate or
 * rejected. `result` is `{ ack }` or `{ error }` as the connection resolves it.
 */
export function outcomeOf(result) {
  if (result.error) return { status: "rejected", reason: String(result.error.message || result.error.code || "the server returned an error") };
  const ack = result.ack;
  if (Array.isArray(ack.rejected) && ack.rejected.length) return { status: "rejected", reason: String(ack.rejected[0].reason || "") };
  if (ack.duplicates > 0) return { status: "duplicate", reason: "" };
  return { status: "accepted", reason: "" };
}
