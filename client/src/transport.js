// Moves queued events to the server: msgpack frames over one WebSocket (protocol version 1: hello, welcome,
// events, ack), with HTTP POST as the fallback while the socket cannot connect, and sendBeacon when the page
// is hidden or unloading. Events leave the queue only when an ack or a 2xx response covers them.
import { encode } from "@msgpack/msgpack";
import { backoffDelay, reconnectDelay, retryAfterMs } from "./backoff.js";
import { decodeMessage } from "./decode.js";
import { postBatch, sendBeacons } from "./http.js";

export const SDK_NAME = "eventlayer-js/0.1.0";

const HANDSHAKE_TIMEOUT_MS = 10000;
// After a beacon, the page may live on (a hidden tab). Its events are then sent again on the normal path,
// after this delay, to get an acknowledgement; the server drops the repeat by event_id.
const BEACON_CONFIRM_DELAY_MS = 5000;
// Used until the server's welcome states its own limits.
const DEFAULT_LIMITS = { max_frame_bytes: 1048576, max_batch: 500, max_event_bytes: 32768 };

/**
 * Creates the transport for one page. `hooks` has `ack(info)`, `rejected(info)`, `status()` and `log(...)`;
 * `session()` returns the current session id for the hello frame.
 */
export function createTransport(config, queue, hooks, session) {
  const base = config.server.replace(/\/+$/, "");
  const socketUrl = `${base.replace(/^http/, "ws")}/ws`;
  const batchUrl = `${base}/api/batch`;

  let socket = null;
  let state = "closed"; // closed -> connecting -> open (hello sent) -> ready (welcome received)
  let stopped = true;
  let limits = DEFAULT_LIMITS;
  let seq = 0;
  let tokens = 0;
  const frames = new Map(); // seq -> { token, events, sentAt }
  let frameScale = 1; // halved after a 1009 close or a 413 response
  let attempt = 0;
  let failedConnects = 0;
  let lastCloseCode = null;
  let connectStartedAt = 0;
  let lastSentAt = 0;
  let retryTimer = null;
  let flushTimer = null;
  let tickTimer = null;
  let useHttp = false;
  let httpBusy = false;
  let httpAttempt = 0;
  let httpNotBefore = 0;

  const now = () => Date.now();
  const frameBudget = () => Math.max(1024, Math.floor(limits.max_frame_bytes * 0.9 * frameScale) - 512);
  const batchLimit = () => Math.max(1, Math.floor(limits.max_batch * Math.min(1, frameScale * 2)));

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (stopped || socket) return;

    state = "connecting";
    connectStartedAt = now();
    let ws;
    try {
      ws = new WebSocket(socketUrl);
    } catch (error) {
      hooks.log("WebSocket failed", error);
      onClosed(1006);
      return;
    }
    ws.binaryType = "arraybuffer";
    socket = ws;

    ws.onopen = () => {
      if (socket !== ws) return;
      state = "open";
      // The page URL lets the server count open pages (presence).
      sendFrame({
        t: "hello",
        v: 1,
        key: config.key,
        sdk: SDK_NAME,
        session: session(),
        url: location.href,
        sent_at: now(),
      });
    };
    ws.onmessage = (message) => socket === ws && onMessage(message.data);
    ws.onclose = (event) => socket === ws && onClosed(event.code);
    hooks.status();
  }

  // Abandons the socket without waiting for its close event, which a dead connection may not deliver for
  // minutes. Codes 4000-4999 are free for applications (RFC 6455, section 7.4.2).
  function abandonSocket(code, reason) {
    const ws = socket;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      ws.close(code, reason);
    } catch {
      // Closing a socket that is already closing can throw in old browsers.
    }
    onClosed(code);
  }

  function onClosed(code) {
    const wasReady = state === "ready";
    socket = null;
    state = "closed";
    lastCloseCode = code;
    for (const frame of frames.values()) if (frame.token) queue.release(frame.token);
    frames.clear();
    if (stopped) return hooks.status();

    // 1008 means the server was reached and rejected the key, the origin or the rate; HTTP would fare no better.
    if (!wasReady && code !== 1008 && ++failedConnects >= config.fallbackAfter && !useHttp) {
      useHttp = true;
      hooks.log("falling back to HTTP");
    }
    if (code === 1009) frameScale /= 2;
    const delay = code === 1009 ? 0 : reconnectDelay(attempt++, code, config.reconnectBaseMs, config.reconnectMaxMs);
    hooks.log("closed", code, "retry in ms", delay);
    retryTimer = setTimeout(connect, delay);
    hooks.status();
    schedule(0);
  }

  function sendFrame(message) {
    const bytes = encode(message);
    if (bytes.byteLength > limits.max_frame_bytes) return bytes.byteLength;
    socket.send(bytes);
    lastSentAt = now();
    return 0;
  }

  function onMessage(data) {
    let message;
    try {
      message = decodeMessage(new Uint8Array(data));
    } catch {
      return hooks.log("invalid frame");
    }
    if (!message || typeof message !== "object") return;
    if (message.t === "welcome") {
      state = "ready";
      limits = { ...DEFAULT_LIMITS, ...(message.limits || {}) };
      attempt = failedConnects = 0;
      useHttp = false;
      hooks.log("connected", message);
      hooks.status();
      pump();
    } else if (message.t === "ack") {
      const frame = frames.get(message.seq);
      if (!frame) return;
      frames.delete(message.seq);
      if (frame.token) settle(frame, message, "websocket", message.seq);
      pump();
    } else if (message.t === "error") {
      hooks.log("server error", message);
      const frame = frames.get(message.seq);
      if (frame) {
        // The server rejected the whole frame (invalid_batch) and stored none of it: send it again later.
        frames.delete(message.seq);
        queue.release(frame.token, now() + 1000);
      }
    }
  }

  function settle(batch, result, transport, seqNumber) {
    const rejected = Array.isArray(result.rejected) ? result.rejected : [];
    queue.settle(batch.token);
    for (const item of rejected) {
      const event = batch.events[item.i] || batch.events.find((candidate) => candidate.event_id === item.event_id);
      hooks.rejected({ event_id: item.event_id, reason: item.reason, event });
    }
    hooks.ack({
      transport,
      seq: seqNumber,
      events: batch.events.length,
      accepted: result.accepted || 0,
      duplicates: result.duplicates || 0,
      rejected: rejected.length,
    });
    hooks.status();
  }

  // Sends one frame of waiting events; returns false when there was nothing to send.
  function sendEventsFrame() {
    const token = ++tokens;
    const batch = queue.take(batchLimit(), frameBudget(), token, now());
    if (!batch.length) return false;
    const events = batch.map((entry) => entry.event);
    const tooLarge = sendFrame({ t: "events", seq: seq + 1, events, sent_at: now() });
    if (!tooLarge) {
      frames.set(++seq, { token, events, sentAt: now() });
      return true;
    }
    if (events.length > 1) {
      frameScale /= 2;
      queue.release(token);
    } else {
      queue.settle(token);
      const [event] = events;
      hooks.rejected({ event_id: event.event_id, reason: `event is ${tooLarge} bytes, over max_frame_bytes`, event });
    }
    return true;
  }

  async function sendHttp() {
    if (httpBusy || now() < httpNotBefore) return;
    const token = ++tokens;
    const batch = queue.take(batchLimit(), frameBudget(), token, now());
    if (!batch.length) return;
    const events = batch.map((entry) => entry.event);
    httpBusy = true;
    let response;
    try {
      response = await postBatch(batchUrl, config.key, events);
    } finally {
      httpBusy = false;
    }
    const body = response.body && typeof response.body === "object" ? response.body : {};
    if (response.status >= 200 && response.status < 300) {
      httpAttempt = 0;
      settle({ token, events }, body, "http");
    } else if (response.status === 400) {
      // The server rejected the request as a whole (a body it cannot read); a retry would fare no better.
      const reason = String(body.message || "HTTP 400");
      const rejected = events.map((event, i) => ({ i, event_id: event.event_id, reason }));
      settle({ token, events }, { rejected }, "http");
    } else {
      if (response.status === 413) frameScale /= 2;
      const delay =
        retryAfterMs(response.retryAfter) ??
        (response.status === 401 || response.status === 403
          ? reconnectDelay(httpAttempt++, 1008)
          : backoffDelay(httpAttempt++, config.reconnectBaseMs, config.reconnectMaxMs));
      hooks.log("HTTP status", response.status, "retry in ms", delay);
      queue.release(token);
      httpNotBefore = now() + delay;
    }
    schedule(config.flushIntervalMs);
  }

  function pump() {
    clearTimeout(flushTimer);
    flushTimer = null;
    if (stopped) return;
    queue.save(now(), false);
    if (state === "ready") {
      while (frames.size < config.maxInFlightFrames && sendEventsFrame());
    } else if (useHttp) {
      sendHttp().catch(hooks.log);
    }
  }

  /** Schedules a send within `delayMs`, unless one is already due. */
  function schedule(delayMs) {
    if (!flushTimer && !stopped) flushTimer = setTimeout(pump, delayMs);
  }

  // Runs every second: notices dead sockets, sends heartbeats, retries delayed events.
  function tick() {
    const time = now();
    if (state === "ready") {
      for (const frame of frames.values()) {
        if (time - frame.sentAt > config.ackTimeoutMs) {
          hooks.log("ack timed out");
          return abandonSocket(4000, "ack timeout");
        }
      }
      // The server acknowledges an empty events frame at once, which proves the connection still works.
      if (!frames.size && time - lastSentAt >= config.heartbeatIntervalMs) {
        sendFrame({ t: "events", seq: ++seq, events: [], sent_at: time });
        frames.set(seq, { token: 0, events: [], sentAt: time });
      }
    } else if (socket && time - connectStartedAt > HANDSHAKE_TIMEOUT_MS) {
      return abandonSocket(4001, "handshake timeout");
    }
    if (queue.stats().queued > queue.stats().inFlight) schedule(config.flushIntervalMs);
    queue.save(time, false);
  }

  return {
    /** Opens the connection and starts the timers; does nothing when already started. */
    start() {
      if (!stopped) return;
      stopped = false;
      tickTimer = setInterval(tick, 1000);
      connect();
    },
    /** Closes the socket and stops every timer; the queue stays as it is. Safe to call twice. */
    stop() {
      stopped = true;
      clearInterval(tickTimer);
      clearTimeout(retryTimer);
      clearTimeout(flushTimer);
      tickTimer = retryTimer = flushTimer = null;
      abandonSocket(1000, "stopped");
    },
    /** Call after adding events: sends within the flush interval, or now when a full frame is waiting. */
    queued() {
      const { queued, inFlight } = queue.stats();
      if (queued - inFlight >= batchLimit()) pump();
      else schedule(config.flushIntervalMs);
    },
    flushNow: pump,
    maxEventBytes: () => limits.max_event_bytes,
    /** Reconnects at once, as after the browser reports that it is online again. */
    reconnectNow() {
      if (stopped || socket) return;
      attempt = 0;
      httpNotBefore = 0;
      connect();
    },
    /**
     * Sends what is still unacknowledged as the page is hidden or unloading: by sendBeacon first, within the
     * browser's quota, then what did not fit over the socket when it is ready. Then mirrors the queue to
     * storage, marked closed when the page is unloading.
     */
    flushOnExit(unloading) {
      if (stopped) return;
      const time = now();
      const entries = queue.entries().filter((entry) => !entry.beaconed);
      entries.sort((a, b) => (a.token ? 1 : 0) - (b.token ? 1 : 0));
      for (const entry of sendBeacons(batchUrl, config.key, entries)) {
        entry.beaconed = true;
        if (!entry.token) entry.notBefore = time + BEACON_CONFIRM_DELAY_MS;
      }
      if (state === "ready") while (sendEventsFrame());
      // Browsers fire visibilitychange after pagehide when a page unloads, so hiding never clears the mark.
      queue.save(time, true, unloading || undefined);
    },
    status() {
      return {
        connection: state,
        transport: useHttp ? "http" : "websocket",
        lastCloseCode,
        ...queue.stats(),
      };
    },
  };
}
