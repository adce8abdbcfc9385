// The public API. Every method catches its own errors, so the SDK never throws into the host page, and
// logs only when the `debug` option is on.
import { startAutocapture } from "./autocapture.js";
import { normalizeConfig } from "./config.js";
import { createIdentity } from "./identity.js";
import { createPageViewTracker, watchHistory } from "./pageviews.js";
import { createQueue } from "./queue.js";
import { fitEvent, sanitizeProperties } from "./sanitize.js";
import { createStorage } from "./storage.js";
import { createTransport } from "./transport.js";
import { cleanString } from "./truncate.js";
import { uuid } from "./uuid.js";

const EVENT_NAMES = ["ack", "rejected", "status"];
const MAX_CALLS_BEFORE_INIT = 100;
// The server measures an event as compact JSON in UTF-8, as JSON.stringify writes it; the margin covers
// numbers that Python formats a few characters longer.
const EVENT_BYTES_MARGIN = 64;

const toText = (value) => cleanString(value === null || value === undefined ? "" : String(value));

function doNotTrack() {
  const flag = navigator.doNotTrack || window.doNotTrack;
  return flag === "1" || flag === "yes" || navigator.globalPrivacyControl === true;
}

/** Creates an SDK instance. Pages normally use the one behind `window.eventlayer` or the ES exports. */
export function createClient() {
  let config = null;
  let identity = null;
  let queue = null;
  let transport = null;
  let autocapture = null;
  let unwatchHistory = null;
  let pageViews = null;
  let optedOut = false;
  const listeners = { ack: [], rejected: [], status: [] };
  const callsBeforeInit = [];
  const cleanups = [];

  const log = (...args) => {
    if (config && config.debug) console.log("[eventlayer]", ...args);
  };

  function emit(name, payload) {
    for (const listener of listeners[name].slice()) {
      try {
        listener(payload);
      } catch (error) {
        log(name, "listener failed", error);
      }
    }
  }

  const emitStatus = () => transport && emit("status", { ...transport.status(), optedOut });

  function enqueue(type, name, value, properties) {
    if (!config) {
      if (callsBeforeInit.length < MAX_CALLS_BEFORE_INIT) callsBeforeInit.push([type, name, value, properties]);
      return;
    }
    if (optedOut) return;
    const event = {
      event_id: uuid(),
      event_type: toText(type),
      event_name: toText(name),
      event_value: toText(value),
      event_starttime: Date.now(),
      session_id: identity.sessionId(),
      distinct_id: toText(identity.distinctId()),
      url: cleanString(location.href),
      referrer: cleanString(document.referrer),
      title: cleanString(document.title),
      properties: { ...sanitizeProperties(identity.properties()), ...sanitizeProperties(properties) },
    };
    fitEvent(event, transport.maxEventBytes() - EVENT_BYTES_MARGIN);
    const before = queue.stats().dropped;
    queue.add(event);
    log("queued", event);
    if (queue.stats().dropped !== before) emitStatus();
    transport.queued();
  }

  function reportPageView(properties) {
    if (autocapture) autocapture.resetScroll();
    if (pageViews) pageViews.reported(location.href);
    enqueue("pageview", location.pathname, "", properties);
  }

  function onVisibilityChange() {
    if (document.visibilityState === "hidden") transport.flushOnExit(false);
  }

  function init(options) {
    if (config) return log("init called twice");
    const candidate = normalizeConfig(options);
    if (!candidate.server || !candidate.key) {
      if (candidate.debug) console.log("[eventlayer] init needs `server` and `key`");
      return;
    }
    config = candidate;
    const local = createStorage("localStorage");
    identity = createIdentity(local, createStorage("sessionStorage"), config.key, config.sessionTimeoutMs);
    queue = createQueue({
      maxEvents: config.maxQueueEvents,
      maxBytes: config.maxQueueBytes,
      storage: local,
      projectKey: config.key,
      pageId: uuid(),
    });
    const hooks = {
      ack: (info) => emit("ack", info),
      rejected: (info) => emit("rejected", info),
      status: emitStatus,
      log,
    };
    transport = createTransport(config, queue, hooks, () => identity.sessionId());
    const consent = identity.consent();
    optedOut = consent === "out" || (consent !== "in" && config.respectDoNotTrack && doNotTrack());

    const listen = (target, type, handler) => {
      const safeHandler = () => {
        try {
          handler();
        } catch (error) {
          log(type, "failed", error);
        }
      };
      target.addEventListener(type, safeHandler);
      cleanups.push(() => target.removeEventListener(type, safeHandler));
    };
    listen(document, "visibilitychange", onVisibilityChange);
    listen(window, "pagehide", () => transport.flushOnExit(true));
    // A page restored from the back/forward cache takes its queue back from the next page and reconnects.
    listen(window, "pageshow", () => {
      if (optedOut) return;
      queue.save(Date.now(), true, false);
      transport.reconnectNow();
    });
    listen(window, "online", () => transport.reconnectNow());

    autocapture = startAutocapture(config.autocapture, enqueue, log);
    if (config.autocapture.pageview) {
      pageViews = createPageViewTracker(location.href);
      unwatchHistory = watchHistory(pageViews, () => reportPageView());
    }
    if (!optedOut) start();
  }

  function start() {
    const adopted = queue.adopt(Date.now());
    log("adopted events:", adopted);
    transport.start();
    for (const [type, name, value, properties] of callsBeforeInit.splice(0)) enqueue(type, name, value, properties);
    if (config.autocapture.pageview) reportPageView();
  }

  const api = {
    init,
    /** Records a custom event named `name`. */
    track(name, properties) {
      enqueue("track", name, "", properties);
    },
    /** Records an event with an explicit type, name and value (stored as text), as EventLayer's first tracker did. */
    trackEvent(eventType, eventName, eventValue) {
      enqueue(eventType, eventName, eventValue, undefined);
    },
    /** Sets the user id for this and later events and records an identify event carrying `traits`. */
    identify(distinctId, traits) {
      if (distinctId === null || distinctId === undefined || distinctId === "") return;
      const previous = identity.identify(toText(distinctId));
      enqueue("identify", "identify", distinctId, { ...sanitizeProperties(traits), $previous_distinct_id: previous });
    },
    /** Records a page view now, for pages that turned off automatic page views. */
    page(properties) {
      reportPageView(properties);
    },
    register(properties) {
      identity.register(sanitizeProperties(properties));
    },
    unregister(name) {
      identity.unregister(String(name));
    },
    reset() {
      identity.reset();
    },
    /** Stops tracking, drops unsent events, and remembers the choice in this browser. */
    optOut() {
      identity.setConsent(true);
      optedOut = true;
      transport.stop();
      queue.clear();
      queue.save(Date.now(), true);
      emitStatus();
    },
    optIn() {
      identity.setConsent(false);
      if (!optedOut) return;
      optedOut = false;
      start();
    },
    /**
     * Sends waiting events now. Resolves to true once every event queued before the call is acknowledged,
     * or to false after `timeoutMs` (default 10 s). Never rejects.
     */
    flush(timeoutMs = 10000) {
      if (optedOut) return Promise.resolve(true);
      const waiting = queue.entries().map((entry) => entry.event.event_id);
      transport.flushNow();
      return new Promise((resolve) => {
        const started = Date.now();
        const check = () => {
          if (!waiting.some((id) => queue.has(id))) resolve(true);
          else if (Date.now() - started >= timeoutMs) resolve(false);
          else setTimeout(check, 50);
        };
        check();
      });
    },
    /** Subscribes to "ack", "rejected" or "status"; returns a function that unsubscribes. */
    on(name, callback) {
      if (!EVENT_NAMES.includes(name) || typeof callback !== "function") {
        log("on(): unknown event or no callback:", name);
        return () => {};
      }
      listeners[name].push(callback);
      if (name === "status") emitStatus();
      return () => {
        const index = listeners[name].indexOf(callback);
        if (index >= 0) listeners[name].splice(index, 1);
      };
    },
    /** Returns the connection and queue state, as the "status" callback receives it. */
    status() {
      return { ...transport.status(), optedOut };
    },
    /** Removes every listener, timer and socket; queued events stay in storage for the next page. */
    shutdown() {
      transport.flushOnExit(true);
      transport.stop();
      if (autocapture) autocapture.stop();
      if (unwatchHistory) unwatchHistory();
      for (const cleanup of cleanups.splice(0)) cleanup();
      autocapture = unwatchHistory = null;
    },
  };

  // Wrap every method so that no error reaches the caller. Before init, calls other than these do nothing;
  // track and trackEvent calls are kept and replayed by init.
  const beforeInit = ["init", "track", "trackEvent", "on"];
  for (const name of Object.keys(api)) {
    const method = api[name];
    api[name] = (...args) => {
      try {
        if (config || beforeInit.includes(name)) return method(...args);
        if (name === "flush") return Promise.resolve(false);
        if (name === "status") return null;
      } catch (error) {
        log(name, "failed", error);
        return name === "flush" ? Promise.resolve(false) : undefined;
      }
    };
  }
  return api;
}
