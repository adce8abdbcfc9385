// The Live view: events as the server receives them, with their status. The page's own session by default, all
// sessions at a switch, a text filter, pause and resume, clear, and counts. Live feeds need the project's
// read key; without it the view asks for one.
import { h, setText } from "./dom.js";
import { createLiveModel, matchesText, MAX_ROWS } from "./live-model.js";
import { clearRows, eventRow } from "./live-rows.js";
import { createReadKeyForm } from "./read-key.js";

const BACKFILL = 50;
const SESSION_CHECK_MS = 2000;

/** Summarises the counts in one line, leaving out the statuses that did not occur. */
export function countsText(counts, shown, listed) {
  const parts = [`${counts.received} event${counts.received === 1 ? "" : "s"}`];
  if (shown !== listed) parts.push(`${shown} shown by the filter`);
  for (const name of ["accepted", "duplicate", "rejected", "manual"]) if (counts[name]) parts.push(`${counts[name]} ${name}`);
  if (counts.dropped) parts.push(`${counts.dropped} skipped (view too slow)`);
  return parts.join(" · ");
}

/**
 * Creates the view. `connection` is the overlay's connection; `findSession()` returns the page's SDK session
 * id or ""; `readKey` has `set(key)`, `inUse()` and `rejection()`; `onNew(count)` reports events that arrived.
 */
export function createLiveView({ connection, findSession, readKey, onNew }) {
  const model = createLiveModel();
  let scope = "page"; // "page" or "all"
  let session = "";
  let subscription = null; // { id, session } of the live subscription
  let subscriptionCount = 0;
  let filterText = "";
  let problem = "";

  const keyForm = createReadKeyForm(readKey);
  const pageButton = h("button", { type: "button", "aria-pressed": "true", text: "This page's session" });
  const allButton = h("button", { type: "button", "aria-pressed": "false", text: "All sessions" });
  const filterBox = h("input", { class: "text", type: "search", placeholder: "Filter", "aria-label": "Filter events", spellcheck: "false" });
  const pauseButton = h("button", { class: "button secondary", type: "button", text: "Pause" });
  const clearButton = h("button", { class: "button secondary", type: "button", text: "Clear" });
  const counts = h("div", { class: "counts", "aria-live": "off" });
  const note = h("div", { class: "note live-note" });
  const list = h("ol", { class: "events" });
  const feed = h("div", {}, h("div", { class: "switch", role: "group", "aria-label": "Sessions" }, pageButton, allButton), h("div", { class: "toolbar" }, filterBox, pauseButton, clearButton), counts, note, list);
  const element = h("section", { class: "view", "data-view": "live" }, keyForm.element, feed);

  const canLive = () => connection.info().state === "ready" && connection.info().can.includes("live");

  function subscribe() {
    if (!canLive()) return;
    session = scope === "page" ? findSession() : "";
    if (subscription && subscription.session === session) return;
    if (subscription) connection.unsubscribe(subscription.id);
    subscription = { id: `overlay-live-${++subscriptionCount}`, session };
    model.reset();
    clearRows(list);
    connection.subscribe(subscription.id, session ? { session_id: session } : {}, BACKFILL);
    render();
  }

  function show(events) {
    for (const event of events) {
      const row = eventRow(event);
      row.hidden = !matchesText(event, filterText);
      list.insertBefore(row, list.firstChild);
    }
    while (list.children.length > MAX_ROWS) list.removeChild(list.lastChild);
  }

  function render() {
    setText(counts, countsText(model.counts, Array.from(list.children).filter((row) => !row.hidden).length, list.children.length));
    let text = problem;
    if (!text && model.paused) text = `Paused: ${model.held} new event${model.held === 1 ? "" : "s"} held${model.heldDropped ? `, ${model.heldDropped} dropped` : ""}.`;
    if (!text && scope === "page" && !session) text = "No EventLayer SDK session found on this page, so all sessions are shown.";
    if (!text && scope === "page") text = `Session ${session.slice(0, 8)}…`;
    note.title = scope === "page" && session ? `Session ${session}` : "";
    setText(note, text);
    note.className = problem ? "note live-note warn" : "note live-note";
    setText(pauseButton, model.paused ? "Resume" : "Pause");
    pageButton.setAttribute("aria-pressed", String(scope === "page"));
    allButton.setAttribute("aria-pressed", String(scope === "all"));
  }

  function setScope(next) {
    scope = next;
    problem = "";
    subscribe();
    render();
  }

  pageButton.addEventListener("click", () => setScope("page"));
  allButton.addEventListener("click", () => setScope("all"));
  filterBox.addEventListener("input", () => {
    filterText = filterBox.value;
    for (const row of list.children) row.hidden = !matchesText(row.eventData, filterText);
    render();
  });
  pauseButton.addEventListener("click", () => {
    if (model.paused) show(model.resume());
    else model.pause();
    render();
  });
  clearButton.addEventListener("click", () => {
    model.clear();
    clearRows(list);
    problem = "";
    render();
  });

  // The page's SDK may start after the overlay, and it starts a new session after 30 minutes without events.
  const sessionTimer = setInterval(() => {
    if (scope === "page" && subscription && findSession() !== subscription.session) subscribe();
  }, SESSION_CHECK_MS);

  return {
    element,
    /** Handles a frame from the connection that belongs to live feeds. */
    frame(message) {
      if (message.t === "live" && subscription && message.sub === subscription.id && Array.isArray(message.events)) {
        const fresh = model.receive(message.events);
        show(fresh);
        if (fresh.length && onNew) onNew(fresh.length);
        render();
      } else if (message.t === "gap" && subscription && message.sub === subscription.id) {
        model.gap(Number(message.dropped) || 0);
        render();
      } else if (message.t === "error" && (!message.sub || (subscription && message.sub === subscription.id))) {
        problem = `The server reported an error: ${message.message || message.code}`;
        render();
      }
    },
    /** Follows the connection: subscribes once a read-key connection is ready. */
    update() {
      const info = connection.info();
      const live = info.can.includes("live");
      keyForm.update({ live, state: info.state });
      feed.hidden = !live;
      if (info.state === "ready" && !live && subscription) {
        // The connection now uses the write key, which cannot unsubscribe; dropping the subscription is enough.
        connection.unsubscribe(subscription.id, false);
        subscription = null;
      } else if (info.state === "ready" && live) subscribe();
      render();
    },
    /** Ends the subscription before the connection changes to another key. */
    stop() {
      if (subscription) connection.unsubscribe(subscription.id, true);
      subscription = null;
    },
    destroy() {
      clearInterval(sessionTimer);
    },
  };
}
