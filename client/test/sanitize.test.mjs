import assert from "node:assert/strict";
import { test } from "node:test";

import { FIELD_LIMITS, fitEvent, jsonBytes, sanitizeProperties, sanitizeValue } from "../src/sanitize.js";
import { codePointLength } from "../src/truncate.js";

const makeEvent = (fields = {}) => ({
  event_id: "00000000-0000-4000-8000-000000000000",
  event_type: "track",
  event_name: "name",
  event_value: "",
  event_starttime: 0,
  session_id: "s",
  distinct_id: "d",
  url: "http://127.0.0.1/",
  referrer: "",
  title: "",
  properties: {},
  ...fields,
});

test("circular reference becomes a marker", () => {
  const properties = { name: "p" };
  properties.self = properties;
  assert.deepEqual(sanitizeProperties(properties), { name: "p", self: "[circular]" });
});

test("shared reference is not circular", () => {
  const shared = { x: 1 };
  assert.deepEqual(sanitizeValue({ a: shared, b: shared }), { a: { x: 1 }, b: { x: 1 } });
});

test("Error becomes name, message and stack", () => {
  const safe = sanitizeValue({ error: new TypeError("boom") }).error;
  assert.equal(safe.name, "TypeError");
  assert.equal(safe.message, "boom");
  assert.match(safe.stack, /boom/);
});

test("NaN and Infinity become null", () => {
  assert.deepEqual(sanitizeValue({ ratio: NaN, up: Infinity, down: -Infinity, list: [NaN, 1] }), {
    ratio: null,
    up: null,
    down: null,
    list: [null, 1],
  });
});

test("BigInt becomes a decimal string", () => {
  assert.equal(sanitizeValue(12345678901234567890n), "12345678901234567890");
});

test("Date becomes ISO text", () => {
  assert.equal(sanitizeValue(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))), "2024-01-02T03:04:05.006Z");
  assert.equal(sanitizeValue(new Date(NaN)), null);
});

test("DOM-like node becomes a description", () => {
  const node = { nodeType: 1, nodeName: "BUTTON", id: "save", value: "secret", ownerDocument: {} };
  assert.equal(sanitizeValue({ node }).node, "<button#save>");
});

test("window-like object becomes a marker", () => {
  const fakeWindow = {};
  fakeWindow.window = fakeWindow;
  assert.equal(sanitizeValue(fakeWindow), "[window]");
});

test("functions and undefined are dropped", () => {
  assert.deepEqual(sanitizeValue({ f() {}, u: undefined, keep: 1 }), { keep: 1 });
  assert.deepEqual(sanitizeValue([undefined, () => 1]), [null, null]);
});

test("throwing getter loses only its value", () => {
  const value = { ok: 1 };
  Object.defineProperty(value, "bad", {
    enumerable: true,
    get() {
      throw new Error("no");
    },
  });
  assert.deepEqual(sanitizeValue(value), { ok: 1, bad: "[unreadable]" });
});

test("throwing toJSON becomes a marker", () => {
  const value = {
    toJSON() {
      throw new Error("no");
    },
  };
  assert.equal(sanitizeValue(value), "[unreadable]");
});

test("deep nesting stops at a marker", () => {
  let nested = {};
  const root = nested;
  for (let i = 0; i < 50; i++) nested = nested.child = {};
  assert.match(JSON.stringify(sanitizeValue(root)), /\[max depth\]/);
});

test("NUL in strings and keys is replaced", () => {
  assert.deepEqual(sanitizeValue({ "k\u0000": "a\u0000b" }), { "k\uFFFD": "a\uFFFDb" });
});

test("__proto__ key does not change the prototype", () => {
  const safe = sanitizeValue(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'));
  assert.equal(Object.getPrototypeOf(safe), Object.prototype);
  assert.equal(safe.polluted, undefined);
  assert.equal(safe.a, 1);
});

test("properties that are not objects become empty", () => {
  for (const value of [null, undefined, 5, "text", [1, 2]]) {
    assert.deepEqual(sanitizeProperties(value), {}, String(value));
  }
});

test("long keys are cut to 200 code points", () => {
  const safe = sanitizeValue({ ["k".repeat(300)]: 1 });
  assert.equal(Object.keys(safe)[0].length, 200);
});

test("fitEvent cuts fields to their limits and names them", () => {
  const event = fitEvent(
    makeEvent({ event_name: "\u{1F600}".repeat(10000), title: "t".repeat(2000), url: "http://x/" + "u".repeat(5000) }),
    32768,
  );
  assert.equal(codePointLength(event.event_name), FIELD_LIMITS.event_name);
  assert.equal(codePointLength(event.title), FIELD_LIMITS.title);
  assert.equal(codePointLength(event.url), FIELD_LIMITS.url);
  assert.deepEqual(event.properties.$truncated.sort(), ["event_name", "title", "url"]);
});

test("fitEvent leaves a small event alone", () => {
  const event = fitEvent(makeEvent({ properties: { a: "b" } }), 32768);
  assert.deepEqual(event.properties, { a: "b" });
});

test("fitEvent halves long property strings until the event fits", () => {
  const event = fitEvent(makeEvent({ properties: { long: "x".repeat(100000), short: "keep" } }), 32768);
  assert.ok(jsonBytes(event) <= 32768, `event is ${jsonBytes(event)} bytes`);
  assert.equal(event.properties.short, "keep");
  assert.ok(event.properties.long.length > 10000, "cut more than needed");
  assert.deepEqual(event.properties.$truncated, ["properties.long"]);
});

test("fitEvent names the top-level property of a nested cut", () => {
  const event = fitEvent(makeEvent({ properties: { outer: { inner: "x".repeat(50000) } } }), 32768);
  assert.ok(jsonBytes(event) <= 32768);
  assert.deepEqual(event.properties.$truncated, ["properties.outer"]);
});

test("fitEvent drops properties made of many small values", () => {
  const event = fitEvent(makeEvent({ properties: { numbers: Array.from({ length: 10000 }, (_, i) => i) } }), 32768);
  assert.ok(jsonBytes(event) <= 32768);
  assert.deepEqual(event.properties, { $truncated: ["properties"] });
});
