// One row of the Live view per event: time, type, name, value and status; a click shows every stored field.
import { h, replaceChildren } from "./dom.js";
import { fieldText, timeOfDay } from "./format.js";

function summary(event) {
  if (event.event_type || event.event_name) return { type: event.event_type || "", name: event.event_name || "" };
  return { type: "", name: event.status === "rejected" ? "(rejected event)" : "(no name)" };
}

function details(event) {
  const list = h("dl", { class: "details" });
  for (const [name, value] of Object.entries(event)) {
    list.appendChild(h("dt", { text: name }));
    list.appendChild(h("dd", { text: fieldText(name, value) }));
  }
  return list;
}

/** Creates the list item for a stored-form event as the live feed sends it. */
export function eventRow(event) {
  const { type, name } = summary(event);
  const status = typeof event.status === "string" ? event.status : "accepted";
  const time = event.event_starttime || event.received_at;
  const line = h(
    "div",
    { class: "event-line", role: "button", tabindex: "0", "aria-expanded": "false" },
    h("span", { class: "event-time", text: timeOfDay(time) }),
    h("span", { class: "event-what" }, h("span", { class: "event-type", text: type ? `${type} · ` : "" }), h("span", { class: "event-name", text: name })),
    h("span", { class: "event-value", text: status === "rejected" ? event.reason || "" : event.event_value || "" }),
    h("span", { class: "event-badges" }, event.manual === true ? h("span", { class: "badge manual", text: "manual" }) : null, " ", h("span", { class: `badge ${status}`, text: status })),
  );
  const item = h("li", { class: "event", "data-status": status, "data-event-id": event.event_id || "" }, line);
  // A property, not an attribute, so the text filter can read the event back.
  item.eventData = event;
  let open = null;

  function toggle() {
    if (open) {
      open.remove();
      open = null;
    } else {
      open = details(event);
      item.appendChild(open);
    }
    line.setAttribute("aria-expanded", String(!!open));
  }

  line.addEventListener("click", toggle);
  line.addEventListener("keydown", (keyEvent) => {
    if (keyEvent.key !== "Enter" && keyEvent.key !== " ") return;
    keyEvent.preventDefault();
    toggle();
  });
  return item;
}

/** Empties a list, for the Clear button and scope changes. */
export const clearRows = (list) => replaceChildren(list);
