// Reconnect delays: exponential backoff with full jitter (a uniform random delay between zero and the
// exponential ceiling), so that many pages cut off by one server restart do not reconnect in step.

/**
 * Returns a delay in milliseconds for retry number `attempt` (0 for the first retry): a uniform random value
 * in [0, min(maxMs, baseMs * 2^attempt)). `random` returns a number in [0, 1), like Math.random.
 */
export function backoffDelay(attempt, baseMs, maxMs, random = Math.random) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}

/**
 * Returns the delay before reconnecting after a WebSocket closed with `closeCode` (RFC 6455), for retry
 * number `attempt`. `baseMs` and `maxMs` shape the ordinary case:
 * - 1008 (bad key, origin not allowed, rate limit): the same request is likely to fail again, so wait at least
 *   30 s and up to 5 min;
 * - 1013 (server overloaded or spool full): wait at least 5 s and up to 2 min;
 * - 1012 (server restarting): it will be back soon, so retry quickly and never wait more than 2 s;
 * - anything else (network loss, 1006, 1011): ordinary backoff.
 */
export function reconnectDelay(attempt, closeCode, baseMs, maxMs, random = Math.random) {
  switch (closeCode) {
    case 1008:
      return 30000 + backoffDelay(attempt, 30000, 270000, random);
    case 1013:
      return 5000 + backoffDelay(attempt, 5000, 115000, random);
    case 1012:
      return 250 + backoffDelay(attempt, 250, 1750, random);
    default:
      return backoffDelay(attempt, baseMs, maxMs, random);
  }
}

/**
 * Returns the delay a `Retry-After` header requests, in milliseconds, or null when the header is missing or is
 * not in seconds. RFC 9110 also allows an HTTP date, which EventLayer never sends; callers then use their
 * own backoff.
 */
export function retryAfterMs(header) {
  return /^\s*\d+\s*$/.test(header || "") ? Number(header) * 1000 : null;
}
