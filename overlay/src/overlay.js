// Puts the parts together: the host element, the connection, the three views and the panel. One overlay
// per page; `createOverlay` returns its controls.
import { createConnection } from "./connection.js";
import { outcomeOf } from "./fields.js";
import { mountHost } from "./host.js";
import { createLiveView } from "./live-view.js";
import { createLogView } from "./log-view.js";
import { findDistinctId, findPageSession } from "./page-session.js";
import { createPanel } from "./panel.js";
import { createStatusView } from "./status-view.js";
import { createStore } from "./store.js";
import { uuid } from "./uuid.js";

const OWN_SESSION_KEY = "eventlayer-overlay:session";

/** Builds the overlay from normalised options (see options.js) and connects it. */
export function createOverlay(options) {
  const session = createStore("sessionStorage");
  const readKeyName = `eventlayer-overlay:read-key:${options.server}`;
  let readKey = options.readKey || session.get(readKeyName) || "";
  let readKeyRejection = "";

  // Events logged on a page without the SDK still need a session, so that Live can show them together.
  function ownSession() {
    let id = session.get(OWN_SESSION_KEY);
    if (!id) {
      id = uuid();
      session.set(OWN_SESSION_KEY, id);
    }
    return id;
  }
  const pageSession = () => options.sessionId || findPageSession(options.key);
  const eventSession = () => pageSession() || ownSession();

  const mounted = mountHost();
  const connection = createConnection({
    server: options.server,
    onChange: () => refresh(),
    onFrame: (message) => {
      if (message.t === "presence") statusView.presence(message);
      else live.frame(message);
    },
    onKeyRejected: (reason) => {
      if (readKey) {
        // Fall back to the write key, so that logging by hand keeps working.
        readKeyRejection = `The server rejected the read key${reason ? ` (${reason})` : ""}.`;
        setReadKey("");
      }
    },
  });

  function setReadKey(key) {
    live.stop();
    readKey = key;
    if (key) {
      readKeyRejection = "";
      session.set(readKeyName, key);
    } else session.remove(readKeyName);
    connection.start(readKey || options.key, pageSession());
    refresh();
  }

  function logEvent(fields) {
    const event = {
      event_id: uuid(),
      ...fields,
      manual: true,
      session_id: eventSession(),
      url: location.href,
      title: document.title,
      event_starttime: Date.now(),
    };
    const distinctId = findDistinctId(options.key);
    if (distinctId) event.distinct_id = distinctId;
    return { event, outcome: connection.sendEvents([event]).then(outcomeOf) };
  }

  const logView = createLogView({ logEvent, isReady: () => connection.info().state === "ready" });
  const readKeyControls = {
    set: (key) => setReadKey(key),
    forget: () => setReadKey(""),
    inUse: () => !!readKey,
    rejection: () => readKeyRejection,
  };
  const live = createLiveView({ connection, findSession: pageSession, readKey: readKeyControls, onNew: (count) => panel.addUnseen(count) });
  const statusView = createStatusView({ server: options.server, connection, readKey: readKeyControls });
  let destroyed = false;
  const panel = createPanel({ mounted, options, views: { log: logView, live, status: statusView }, onClose: () => destroy() });

  function refresh() {
    if (destroyed) return;
    const info = connection.info();
    panel.setState(info.state);
    logView.update(info);
    live.update();
    statusView.update();
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    connection.stop();
    live.destroy();
    statusView.destroy();
    panel.destroy();
    mounted.remove();
  }

  connection.start(readKey || options.key, pageSession());
  refresh();

  return {
    host: mounted.host,
    open(view) {
      panel.setCollapsed(false);
      if (view) panel.select(view);
    },
    collapse: () => panel.setCollapsed(true),
    toggle: () => panel.setCollapsed(!panel.isCollapsed()),
    status: () => ({ ...connection.info() }),
    destroy,
    isDestroyed: () => destroyed,
  };
}
