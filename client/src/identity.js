// The identity of the visitor: the anonymous or identified user id, the session id, properties registered
// for every event, and the opt-out choice. Each is kept in storage so that it outlives a page.
import { uuid } from "./uuid.js";

// The opt-out choice is per site, not per project key: a visitor who opts out means the whole site.
const OPT_OUT_KEY = "eventlayer:opt_out";

/** Creates the identity store for project `projectKey`; `local` and `session` come from createStorage. */
export function createIdentity(local, session, projectKey, sessionTimeoutMs) {
  const ID_KEY = `eventlayer:${projectKey}:distinct_id`;
  const PROPERTIES_KEY = `eventlayer:${projectKey}:properties`;
  const SESSION_KEY = `eventlayer:${projectKey}:session`;
  let superProperties = local.getJSON(PROPERTIES_KEY) || {};
  let distinctId = local.get(ID_KEY);
  if (!distinctId) newDistinctId();
  let sessionState = session.getJSON(SESSION_KEY);

  function newDistinctId() {
    distinctId = uuid();
    local.set(ID_KEY, distinctId);
  }

  return {
    distinctId: () => distinctId,
    /** Sets the user id and returns the previous one. */
    identify(id) {
      const previous = distinctId;
      distinctId = id;
      local.set(ID_KEY, id);
      return previous;
    },
    /** Returns the session id, starting a new session after `sessionTimeoutMs` without events. */
    sessionId(now = Date.now()) {
      if (!sessionState || typeof sessionState.id !== "string" || now - sessionState.last > sessionTimeoutMs) {
        sessionState = { id: uuid(), last: now };
      }
      sessionState.last = now;
      session.setJSON(SESSION_KEY, sessionState);
      return sessionState.id;
    },
    properties: () => superProperties,
    register(properties) {
      superProperties = { ...superProperties, ...properties };
      local.setJSON(PROPERTIES_KEY, superProperties);
    },
    unregister(name) {
      delete superProperties[name];
      local.setJSON(PROPERTIES_KEY, superProperties);
    },
    /** Forgets the user: a new anonymous id, a new session, no registered properties. */
    reset() {
      newDistinctId();
      sessionState = null;
      superProperties = {};
      local.remove(PROPERTIES_KEY);
      session.remove(SESSION_KEY);
    },
    /** Returns "out", "in" (an explicit opt-in, which outweighs Do Not Track) or null when never chosen. */
    consent: () => ({ 1: "out", 0: "in" })[local.get(OPT_OUT_KEY)] || null,
    setConsent(optedOut) {
      local.set(OPT_OUT_KEY, optedOut ? "1" : "0");
    },
  };
}
