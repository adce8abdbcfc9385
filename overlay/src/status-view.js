// The Status view: connection state, round-trip latency, measured clock skew, and events sent and acknowledged.
import { median } from "./connection.js";
import { h, setText } from "./dom.js";
import { duration, skewText } from "./format.js";

const STATE_TEXT = { closed: "closed", connecting: "connecting", ready: "connected", failed: "rejected by the server" };

/** Describes the connection state in one line, with the retry time and the close code when there is one. */
export function stateText(info, now = Date.now()) {
  let text = STATE_TEXT[info.state] || info.state;
  if (info.state === "connecting" && info.retryAt > now) text += ` (retry in ${Math.ceil((info.retryAt - now) / 1000)} s)`;
  if (info.state !== "ready" && info.closeCode) text += `; last close ${info.closeCode}${info.closeReason ? `: ${info.closeReason}` : ""}`;
  return text;
}

/**
 * Creates the view; `server` is the server's URL, `connection` the overlay's connection, and `readKey` has
 * `inUse()` and `forget()`.
 */
export function createStatusView({ server, connection, readKey }) {
  const values = {};
  const rows = [
    ["state", "Connection"],
    ["server", "Server"],
    ["key", "Key"],
    ["rtt", "Round trip"],
    ["skew", "Clock skew"],
    ["sent", "Events sent"],
    ["acked", "Acknowledged"],
    ["presence", "SDK connections"],
    ["reconnects", "Reconnects"],
  ];
  const table = h("dl", { class: "status-table" });
  for (const [name, label] of rows) {
    values[name] = h("dd", { "data-status-field": name });
    table.appendChild(h("dt", { text: label }));
    table.appendChild(values[name]);
  }
  const measureButton = h("button", { class: "button secondary", type: "button", text: "Measure now" });
  const reconnectButton = h("button", { class: "button secondary", type: "button", text: "Reconnect" });
  const forgetButton = h("button", { class: "button secondary", type: "button", text: "Forget read key" });
  const element = h(
    "section",
    { class: "view", "data-view": "status" },
    table,
    h("div", { class: "row-buttons" }, measureButton, reconnectButton, forgetButton),
    h("p", { class: "note", text: "Round trip: an empty batch, which the server acknowledges at once. Clock skew: the server's clock minus this browser's, from the welcome frame." }),
  );
  let presenceTotal = null;

  measureButton.addEventListener("click", () => connection.measure());
  reconnectButton.addEventListener("click", () => connection.reconnect());
  forgetButton.addEventListener("click", () => readKey.forget());

  function update() {
    const info = connection.info();
    setText(values.state, stateText(info));
    setText(values.server, server);
    setText(values.key, readKey.inUse() ? "read key (logs and watches)" : "write key (logs events; Live needs the read key)");
    forgetButton.hidden = !readKey.inUse();
    const middle = median(info.rtts);
    let rtt = info.rttMs === null ? "not measured" : duration(info.rttMs);
    if (info.rtts.length >= 3) rtt += ` (median of the last ${info.rtts.length}: ${duration(middle)})`;
    setText(values.rtt, rtt);
    setText(values.skew, skewText(info.skewMs));
    setText(values.sent, String(info.sent));
    setText(values.acked, `${info.accepted} accepted · ${info.duplicates} duplicate · ${info.rejected} rejected`);
    setText(values.presence, presenceTotal === null ? "shown with the read key" : `${presenceTotal} open on pages of this project`);
    setText(values.reconnects, String(info.reconnects));
  }

  // The retry countdown moves without a connection change.
  const timer = setInterval(update, 1000);

  return {
    element,
    update,
    /** Takes a presence frame: open SDK connections per page of the project. */
    presence(message) {
      if (typeof message.total === "number") presenceTotal = message.total;
      update();
    },
    destroy: () => clearInterval(timer),
  };
}
