// Finds the session of the EventLayer SDK running on the page, so that the Live view can show this page's
// events by default. The SDK keeps the session in sessionStorage under `eventlayer:<write key>:session` as
// `{"id": ..., "last": ...}`; an SDK that exposes `sessionId` on `window.eventlayer` is asked first.
import { createStore } from "./store.js";

const SESSION_KEY = /^eventlayer:(.+):session$/;

function fromSdk() {
  const sdk = window.eventlayer;
  if (!sdk || Array.isArray(sdk)) return "";
  try {
    const value = typeof sdk.sessionId === "function" ? sdk.sessionId() : sdk.sessionId;
    return typeof value === "string" ? value : "";
  } catch {
    return "";
  }
}

/**
 * Returns the page's SDK session id, or "" when the page runs no EventLayer SDK. With several SDK projects on
 * one page, the one sending with `writeKey` wins.
 */
export function findPageSession(writeKey) {
  const exposed = fromSdk();
  if (exposed) return exposed;
  const session = createStore("sessionStorage");
  const candidates = [];
  for (const name of session.keys()) {
    const match = name && SESSION_KEY.exec(name);
    if (!match) continue;
    const state = session.getJSON(name);
    if (state && typeof state.id === "string" && state.id) candidates.push({ key: match[1], id: state.id, last: Number(state.last) || 0 });
  }
  const own = candidates.find((candidate) => candidate.key === writeKey);
  if (own) return own.id;
  candidates.sort((a, b) => b.last - a.last);
  return candidates.length ? candidates[0].id : "";
}

/** Returns the page's SDK user id (`distinct_id`) for project `writeKey`, or "" when there is none. */
export function findDistinctId(writeKey) {
  return createStore("localStorage").get(`eventlayer:${writeKey}:distinct_id`) || "";
}
