// The overlay's own WebSocket to the server (protocol version 1, msgpack frames): hello and welcome, events
// logged by hand and their acks, live subscriptions, and the round-trip and clock-skew measurements of the
// Status view. It reconnects with backoff and sends again what was not acknowledged before a drop.
import { decode, encode } from "@msgpack/msgpack";

export const OVERLAY_SDK = "eventlayer-overlay/0.1.0";

const HELLO_TIMEOUT_MS = 10000;
const PING_INTERVAL_MS = 5000;
const RECONNECT_BASE_MS = 1000;
const RECONNECT_MAX_MS = 15000;
const RTT_SAMPLES = 10;
// Close code 1008 means the server rejected the key or the page's Origin (see the protocol's close codes).
const POLICY_VIOLATION = 1008;

/** Returns the delay before reconnect attempt `attempt` (0-based): doubling from 1 s up to 15 s, with jitter. */
export function reconnectDelay(attempt, random = Math.random) {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.min(attempt, 10));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Returns the median of a list of numbers, or null for an empty list. */
export function median(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Creates the connection to `server` (an http(s) URL). `onChange()` runs whenever `info()` changes.
 * `onFrame(message)` receives the frames not handled here: live, gap, presence, subscribed, and error frames
 * without a `seq`. `onKeyRejected(reason)` runs when the server closes with 1008 in reply to the hello.
 */
export function createConnection({ server, onChange, onFrame, onKeyRejected }) {
  const socketUrl = `${server.replace(/^http/, "ws")}/ws`;
  let key = "";
  let session = "";
  let socket = null;
  let stopped = true;
  let attempt = 0;
  let seq = 0;
  let helloSentAt = 0;
  let helloTimer = null;
  let retryTimer = null;
  let pingTimer = null;
  const pending = []; // { events, resolve, seq } for events not yet acknowledged, in send order
  const pings = new Map(); // seq -> send time
  const subscriptions = new Map(); // id -> subscribe frame
  const info = {
    state: "closed", // closed -> connecting -> ready; "failed" when the server rejected the key
    can: [],
    limits: null,
    skewMs: null,
    rttMs: null,
    rtts: [],
    sent: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    reconnects: 0,
    retryAt: 0,
    closeCode: null,
    closeReason: "",
  };

  const changed = () => onChange && onChange();

  function connect() {
    clearTimeout(retryTimer);
    if (stopped || socket) return;
    info.state = "connecting";
    changed();
    let ws;
    try {
      ws = new WebSocket(socketUrl);
    } catch (error) {
      // A page's Content Security Policy (connect-src) or an invalid URL ends up here.
      onClosed(1006, error && error.message ? error.message : "the WebSocket could not be created");
      return;
    }
    ws.binaryType = "arraybuffer";
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      helloSentAt = Date.now();
      send({ t: "hello", v: 1, key, sdk: OVERLAY_SDK, session, sent_at: helloSentAt });
      helloTimer = setTimeout(() => abandon(4000, "no welcome within 10 s"), HELLO_TIMEOUT_MS);
    };
    ws.onmessage = (message) => socket === ws && receive(message.data);
    ws.onclose = (event) => socket === ws && onClosed(event.code, event.reason);
  }

  // `planned` is true when the overlay itself ends the socket (a new key, a reconnect asked for by the user).
  function abandon(code, reason, planned = false) {
    const ws = socket;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      ws.close(code, reason);
    } catch {
      // Already closing.
    }
    onClosed(code, reason, planned);
  }

  function onClosed(code, reason, planned = false) {
    socket = null;
    clearTimeout(helloTimer);
    clearInterval(pingTimer);
    pings.clear();
    const wasReady = info.state === "ready";
    info.closeCode = code;
    info.closeReason = reason || "";
    if (stopped) {
      info.state = "closed";
      return changed();
    }
    if (code === POLICY_VIOLATION && !wasReady) {
      // Retrying with the same key would be rejected again; the overlay decides what to do next.
      info.state = "failed";
      changed();
      if (onKeyRejected) onKeyRejected(info.closeReason);
      return;
    }
    if (wasReady) attempt = 0;
    const delay = reconnectDelay(attempt++);
    info.state = "connecting";
    info.retryAt = Date.now() + delay;
    if (!planned) info.reconnects += 1;
    retryTimer = setTimeout(connect, delay);
    changed();
  }

  function send(message) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(encode(message));
    return true;
  }

  function receive(data) {
    let message;
    try {
      message = decode(new Uint8Array(data));
    } catch {
      return;
    }
    if (!message || typeof message !== "object") return;
    if (message.t === "welcome") onWelcome(message);
    else if (message.t === "ack") onAck(message);
    else if (message.t === "error" && typeof message.seq === "number" && settle(message.seq, { error: message })) changed();
    else if (onFrame) onFrame(message);
  }

  function onWelcome(message) {
    const now = Date.now();
    clearTimeout(helloTimer);
    info.state = "ready";
    info.retryAt = 0;
    info.can = Array.isArray(message.can) ? message.can : [];
    info.limits = message.limits || null;
    // The server read its clock between our hello and this welcome; assume that was halfway through.
    if (typeof message.server_time === "number") info.skewMs = Math.round(message.server_time - (helloSentAt + now) / 2);
    for (const item of pending) sendBatch(item);
    if (info.can.includes("live")) for (const frame of subscriptions.values()) send(frame);
    pingTimer = setInterval(measure, PING_INTERVAL_MS);
    measure();
    changed();
  }

  function onAck(message) {
    const sentAt = pings.get(message.seq);
    if (sentAt !== undefined) {
      pings.delete(message.seq);
      info.rttMs = Date.now() - sentAt;
      info.rtts = [...info.rtts, info.rttMs].slice(-RTT_SAMPLES);
      return changed();
    }
    if (!settle(message.seq, { ack: message })) return;
    info.accepted += message.accepted || 0;
    info.duplicates += message.duplicates || 0;
    info.rejected += Array.isArray(message.rejected) ? message.rejected.length : 0;
    changed();
  }

  function settle(ackSeq, result) {
    const index = pending.findIndex((item) => item.seq === ackSeq);
    if (index < 0) return false;
    const [item] = pending.splice(index, 1);
    item.resolve(result);
    return true;
  }

  function sendBatch(item) {
    item.seq = ++seq;
    send({ t: "events", seq: item.seq, events: item.events, sent_at: Date.now() });
  }

  /** Sends an empty events frame, which the server acknowledges at once, to measure the round trip. */
  function measure() {
    if (info.state !== "ready") return;
    const pingSeq = ++seq;
    if (send({ t: "events", seq: pingSeq, events: [], sent_at: Date.now() })) pings.set(pingSeq, Date.now());
  }

  return {
    info: () => info,
    /** Connects with `newKey`, or reconnects when the key changed. `newSession` goes into the hello. */
    start(newKey, newSession) {
      const keyChanged = newKey !== key;
      key = newKey;
      session = newSession || "";
      stopped = false;
      if (socket && !keyChanged) return;
      if (socket) abandon(1000, "key changed", true);
      attempt = 0;
      connect();
    },
    /** Connects again now, without waiting for the backoff delay. */
    reconnect() {
      if (stopped) return;
      attempt = 0;
      if (socket) abandon(1000, "reconnect", true);
      clearTimeout(retryTimer);
      connect();
    },
    /**
     * Sends events and resolves to `{ ack }` or `{ error }` once the server acknowledged them or returned an
     * error. Events without a response are sent again after a reconnect, with the same event_id, so the
     * server stores them once at most.
     */
    sendEvents(events) {
      return new Promise((resolve) => {
        const item = { events, resolve, seq: null };
        pending.push(item);
        info.sent += events.length;
        if (info.state === "ready") sendBatch(item);
        changed();
      });
    },
    measure,
    subscribe(id, filter, backfill) {
      const frame = { t: "subscribe", id, filter, backfill };
      subscriptions.set(id, frame);
      if (info.state === "ready") send(frame);
    },
    /** Ends subscription `id`; with `notify` false it is only forgotten, with no frame sent. */
    unsubscribe(id, notify = true) {
      if (subscriptions.delete(id) && notify && info.state === "ready") send({ t: "unsubscribe", id });
    },
    /** Closes the socket and stops reconnecting; pending sends never resolve. */
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      if (socket) abandon(1000, "overlay closed", true);
    },
  };
}
