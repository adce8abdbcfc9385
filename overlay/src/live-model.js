// The Live view's data, without DOM: which events it holds, which a text filter matches, what pause holds
// back, and the counts it shows.

export const MAX_ROWS = 500;
// Events held while paused; past this the oldest held ones are dropped and counted.
export const MAX_HELD = 5000;
// Accepted event ids remembered so that a backfill after a reconnect does not show them twice.
const MAX_REMEMBERED_IDS = 20000;
const SEARCHED_FIELDS = ["event_type", "event_name", "event_value", "session_id", "distinct_id", "url", "reason", "status"];

/** Tells whether `event` contains `text` (case-insensitive) in one of the fields a user reads in a row. */
export function matchesText(event, text) {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  return SEARCHED_FIELDS.some((field) => typeof event[field] === "string" && event[field].toLowerCase().includes(needle));
}

/**
 * Returns a key that is the same for two deliveries of one outcome: a backfill sent again after a reconnect
 * repeats accepted events the view already has. Duplicate and rejected outcomes are new every time.
 */
export const deliveryKey = (event) => (event.status === "accepted" || !event.status ? `accepted:${event.event_id}` : null);

export function createLiveModel() {
  const counts = { received: 0, accepted: 0, duplicate: 0, rejected: 0, manual: 0, dropped: 0 };
  let held = [];
  let heldDropped = 0;
  let paused = false;
  const shownKeys = new Set();

  function remember(key) {
    shownKeys.add(key);
    if (shownKeys.size > MAX_REMEMBERED_IDS) shownKeys.delete(shownKeys.values().next().value);
  }

  function count(event) {
    counts.received += 1;
    if (counts[event.status] !== undefined) counts[event.status] += 1;
    if (event.manual === true) counts.manual += 1;
  }

  return {
    counts,
    get paused() {
      return paused;
    },
    get held() {
      return held.length;
    },
    get heldDropped() {
      return heldDropped;
    },
    /**
     * Takes a live frame's events (oldest first) and returns those to show now, oldest first: none while
     * paused, and never an accepted event that is already shown.
     */
    receive(events) {
      const fresh = [];
      for (const event of events) {
        if (!event || typeof event !== "object") continue;
        const key = deliveryKey(event);
        if (key && shownKeys.has(key)) continue;
        if (key) remember(key);
        count(event);
        fresh.push(event);
      }
      if (!paused) return fresh;
      held = held.concat(fresh);
      if (held.length > MAX_HELD) {
        heldDropped += held.length - MAX_HELD;
        held = held.slice(-MAX_HELD);
      }
      return [];
    },
    gap(dropped) {
      counts.dropped += dropped;
    },
    pause() {
      paused = true;
    },
    /** Ends the pause and returns the events held meanwhile, oldest first. */
    resume() {
      paused = false;
      const released = held;
      held = [];
      return released;
    },
    /** Empties the list and the counts. Events cleared away do not come back with a later backfill. */
    clear() {
      held = [];
      heldDropped = 0;
      for (const name of Object.keys(counts)) counts[name] = 0;
    },
    /** Forgets everything, for a new subscription whose backfill should be shown in full. */
    reset() {
      this.clear();
      shownKeys.clear();
    },
  };
}
