// The event queue: events wait here until the server acknowledges them. It lives in memory and is mirrored
// to localStorage under a key of its own page, so that events survive a reload, a crash or a closed tab and
// are sent by the next page of the same site.
import { jsonBytes } from "./sanitize.js";

const PREFIX = "eventlayer:queue:";
const SAVE_INTERVAL_MS = 1000;
const TOUCH_INTERVAL_MS = 10000;
// A live page rewrites its mirror at least every TOUCH_INTERVAL_MS while it has events, so a mirror this old
// belongs to a page that crashed. Throttled background tabs may touch less often; adopting their events
// then only sends them twice, and the server drops the repeats by event_id.
const STALE_AFTER_MS = 120000;

/**
 * Splits `items` into chunks whose serialised size stays at or under `maxBytes`: the sum of `sizeOf(item)`,
 * one separator byte between items, and `overheadBytes` per chunk. An item too large for any chunk gets a
 * chunk of its own; the caller decides what to do with it.
 */
export function chunkBySize(items, sizeOf, maxBytes, overheadBytes) {
  const chunks = [];
  let chunk = [];
  let size = overheadBytes;
  for (const item of items) {
    const itemSize = sizeOf(item) + (chunk.length ? 1 : 0);
    if (chunk.length && size + itemSize > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      size = overheadBytes;
    }
    size += chunk.length ? itemSize : sizeOf(item);
    chunk.push(item);
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

/**
 * Creates a queue capped at `maxEvents` events and `maxBytes` bytes of JSON. Each entry is
 * `{ event, bytes, token, notBefore, beaconed }`. Its `token` is 0 while the entry waits, or else the number
 * of the frame or request that carries it. Its `notBefore` delays a resend.
 */
export function createQueue({ maxEvents, maxBytes, storage, projectKey, pageId }) {
  const ownKey = `${PREFIX}${projectKey}:${pageId}`;
  let entries = [];
  let totalBytes = 0;
  let dropped = 0;
  let dirty = false;
  let lastSave = 0;
  let pageClosed = false;
  const ids = new Set();

  const removeAt = (index) => {
    const [entry] = entries.splice(index, 1);
    totalBytes -= entry.bytes;
    ids.delete(entry.event.event_id);
    return entry;
  };

  /** Adds an event; returns false when a cap forced it out at once. Over a cap, the oldest waiting events go. */
  function add(event) {
    if (ids.has(event.event_id)) return true;
    const entry = { event, bytes: jsonBytes(event), token: 0, notBefore: 0, beaconed: false };
    entries.push(entry);
    totalBytes += entry.bytes;
    ids.add(event.event_id);
    dirty = true;
    while (entries.length > maxEvents || totalBytes > maxBytes) {
      const index = entries.findIndex((candidate) => !candidate.token);
      if (removeAt(index) === entry) {
        dropped++;
        return false;
      }
      dropped++;
    }
    return true;
  }

  /**
   * Marks waiting entries with `token` and returns them: at most `maxCount`, and no more than `maxBytes` of
   * JSON unless a single entry is larger. Entries whose `notBefore` is in the future stay.
   */
  function take(maxCount, maxBytes, token, now) {
    const taken = [];
    let bytes = 0;
    for (const entry of entries) {
      if (taken.length >= maxCount) break;
      if (entry.token || entry.notBefore > now) continue;
      if (taken.length && bytes + entry.bytes > maxBytes) break;
      entry.token = token;
      bytes += entry.bytes;
      taken.push(entry);
    }
    return taken;
  }

  /** Removes the entries carried by `token` (acknowledged, or rejected for good). */
  function settle(token) {
    entries = entries.filter((entry) => {
      if (entry.token !== token) return true;
      totalBytes -= entry.bytes;
      ids.delete(entry.event.event_id);
      return false;
    });
    dirty = true;
  }

  /** Puts the entries carried by `token` back in line, to be sent again no earlier than `notBefore`. */
  function release(token, notBefore = 0) {
    for (const entry of entries) {
      if (entry.token === token) {
        entry.token = 0;
        entry.notBefore = notBefore;
      }
    }
  }

  function clear() {
    entries = [];
    totalBytes = 0;
    ids.clear();
    dirty = true;
  }

  /**
   * Mirrors the queue to storage when it changed and the last write is older than one second, or at once
   * when `force` is set. With `closed` true, the mirror marks the page as gone (pagehide), so that the next
   * page of the site may adopt its events. False marks it alive again (pageshow). When omitted, the mark stays.
   */
  function save(now, force, closed) {
    if (closed !== undefined) pageClosed = closed;
    const stale = entries.length && now - lastSave >= TOUCH_INTERVAL_MS;
    if (!force && !stale && !(dirty && now - lastSave >= SAVE_INTERVAL_MS)) return;
    if (entries.length) {
      const events = entries.map((entry) => entry.event);
      storage.setJSON(ownKey, { updated: now, closed: pageClosed, events });
    } else {
      storage.remove(ownKey);
    }
    dirty = false;
    lastSave = now;
  }

  /** Takes over the events that closed or crashed pages of this project left in storage. */
  function adopt(now) {
    let adopted = 0;
    for (const key of storage.keys()) {
      if (!key || !key.startsWith(`${PREFIX}${projectKey}:`) || key === ownKey) continue;
      const mirror = storage.getJSON(key);
      if (mirror && !mirror.closed && now - mirror.updated < STALE_AFTER_MS) continue;
      storage.remove(key);
      const events = mirror && Array.isArray(mirror.events) ? mirror.events : [];
      for (const event of events) if (event && typeof event === "object" && add(event)) adopted++;
    }
    return adopted;
  }

  return {
    add,
    take,
    settle,
    release,
    clear,
    save,
    adopt,
    entries: () => entries,
    has: (eventId) => ids.has(eventId),
    stats: () => ({
      queued: entries.length,
      inFlight: entries.filter((entry) => entry.token).length,
      bytes: totalBytes,
      dropped,
    }),
  };
}
