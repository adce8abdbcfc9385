// The Log view: the original tracker's three fields (event type, name, value), optional JSON properties, a
// "Log Event" button, and the server's response for each event logged here.
import { h, replaceChildren, setText } from "./dom.js";
import { checkFields } from "./fields.js";
import { timeOfDay } from "./format.js";

const MAX_RESULTS = 20;

const STATUS_TEXT = {
  sending: "sending",
  waiting: "waiting for the connection",
  accepted: "accepted",
  duplicate: "duplicate",
  rejected: "rejected",
};

/**
 * Creates the view. `logEvent(fields)` sends `{ event_type, event_name, event_value, properties }` and
 * returns `{ event, outcome }`: the event as sent and a promise of `{ status, reason }`. `isReady()` tells
 * whether the connection is open.
 */
export function createLogView({ logEvent, isReady }) {
  const inputs = {};
  const errors = {};

  function field(name, label, control) {
    inputs[name] = control;
    errors[name] = h("span", { class: "error", id: `error-${name}`, role: "alert" });
    control.setAttribute("aria-describedby", `error-${name}`);
    control.addEventListener("input", () => showError(name, ""));
    return h("label", { class: "field" }, h("span", { class: "label", text: label }), control, errors[name]);
  }

  const textInput = (name, placeholder) => h("input", { class: "text", type: "text", name, placeholder, autocomplete: "off", spellcheck: "false" });
  const results = h("ul", { class: "results", "aria-live": "polite" });
  const connectionNote = h("p", { class: "note warn" });
  const form = h(
    "form",
    { novalidate: true },
    field("event_type", "Event type", textInput("event_type", "click")),
    field("event_name", "Event name", textInput("event_name", "Signup Button")),
    field("event_value", "Value", textInput("event_value", "optional")),
    field("properties", "Properties (JSON object, optional)", h("textarea", { class: "text", name: "properties", rows: "2", placeholder: '{"plan": "pro"}', spellcheck: "false" })),
    h("div", { class: "row-buttons" }, h("button", { class: "button", type: "submit", text: "Log Event" })),
  );
  const element = h("section", { class: "view", "data-view": "log" }, connectionNote, form, results);

  function showError(name, message) {
    setText(errors[name], message);
    if (message) inputs[name].setAttribute("aria-invalid", "true");
    else inputs[name].removeAttribute("aria-invalid");
  }

  function addResult(event, outcome) {
    const badge = h("span", { class: "badge", text: STATUS_TEXT[isReady() ? "sending" : "waiting"] });
    const reason = h("div", { class: "reason" });
    const item = h(
      "li",
      { "data-event-id": event.event_id },
      h("div", { class: "row-buttons" }, h("span", { class: "mono", text: timeOfDay(event.event_starttime) }), badge, h("span", { class: "badge manual", text: "manual" })),
      h("div", { class: "event-what", text: `${event.event_type} · ${event.event_name}${event.event_value ? ` = ${event.event_value}` : ""}` }),
      reason,
    );
    results.insertBefore(item, results.firstChild);
    while (results.children.length > MAX_RESULTS) results.removeChild(results.lastChild);
    outcome.then(({ status, reason: text }) => {
      badge.className = `badge ${status}`;
      setText(badge, STATUS_TEXT[status]);
      item.setAttribute("data-status", status);
      if (status === "duplicate") setText(reason, "The server already had an event with this event_id; it was not stored again.");
      else setText(reason, text || "");
    });
  }

  form.addEventListener("submit", (submitEvent) => {
    submitEvent.preventDefault();
    const values = {};
    for (const name of Object.keys(inputs)) values[name] = inputs[name].value;
    const checked = checkFields(values);
    for (const name of Object.keys(inputs)) showError(name, (checked.errors && checked.errors[name]) || "");
    if (checked.errors) {
      const first = Object.keys(inputs).find((name) => checked.errors[name]);
      inputs[first].focus();
      return;
    }
    const { event, outcome } = logEvent(checked.event);
    addResult(event, outcome);
  });

  return {
    element,
    /** Shows a line about the connection when events cannot be sent right now. */
    update(info) {
      let text = "";
      if (info.state === "failed") text = `The server rejected this overlay's key${info.closeReason ? ` (${info.closeReason})` : ""}. Events cannot be sent.`;
      else if (info.state !== "ready") text = "Connecting to the server. Events logged now are sent once it is connected.";
      setText(connectionNote, text);
      connectionNote.hidden = !text;
    },
    focus: () => inputs.event_type.focus(),
    clear: () => replaceChildren(results),
  };
}
