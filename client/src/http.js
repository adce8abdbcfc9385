// HTTP paths to `POST /api/batch`: the fallback when the WebSocket cannot connect, and sendBeacon when the
// page is hidden or unloading. Bodies are JSON sent as text/plain, a CORS-safelisted type, so that a
// cross-origin request needs no preflight and sendBeacon accepts it.
import { chunkBySize } from "./queue.js";
import { utf8Length } from "./truncate.js";

const REQUEST_TIMEOUT_MS = 15000;

// Browsers allow 64 KiB of keepalive request bodies in flight per page in total (Fetch standard, "HTTP-network-
// or-cache fetch"); Chromium applies that sum to sendBeacon too and returns false past it. Chunks stay under
// 60 KB to leave room for the request line and for beacons of other scripts.
export const BEACON_MAX_BYTES = 60000;

function batchBody(key, eventJsons) {
  return `{"key":${JSON.stringify(key)},"events":[${eventJsons.join(",")}]}`;
}

/**
 * Posts events to the batch endpoint. Resolves, never rejects, to `{ status, body, retryAfter }`; status 0
 * means the request failed before a response (network error, timeout, CORS).
 */
export async function postBatch(url, key, events) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      method: "POST",
      body: batchBody(key, events.map((event) => JSON.stringify(event))),
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      credentials: "omit",
      signal: controller.signal,
    });
    let body = null;
    try {
      body = await response.json();
    } catch {
      // A body that is not JSON (a proxy's error page) leaves only the status to act on.
    }
    return { status: response.status, body, retryAfter: response.headers.get("Retry-After") };
  } catch {
    return { status: 0, body: null, retryAfter: null };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends queue entries with navigator.sendBeacon in bodies of at most BEACON_MAX_BYTES, in order, and stops at
 * the first beacon the browser refuses (it returns false when over its quota). Returns the entries the
 * browser accepted. An accepted beacon is only queued by the browser, so callers keep those entries until
 * the server acknowledges them in some other way.
 */
export function sendBeacons(url, key, entries) {
  if (!navigator.sendBeacon) return [];
  const overhead = utf8Length(batchBody(key, []));
  const accepted = [];
  for (const chunk of chunkBySize(entries, (entry) => entry.bytes, BEACON_MAX_BYTES, overhead)) {
    const body = batchBody(key, chunk.map((entry) => JSON.stringify(entry.event)));
    if (utf8Length(body) > BEACON_MAX_BYTES) continue;
    let queued = false;
    try {
      queued = navigator.sendBeacon(url, body);
    } catch {
      // sendBeacon throws TypeError for a URL it cannot use; nothing more can go this way.
    }
    if (!queued) break;
    accepted.push(...chunk);
  }
  return accepted;
}
