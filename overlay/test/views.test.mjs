import assert from "node:assert/strict";
import { test } from "node:test";

import { duration, fieldText, skewText } from "../src/format.js";
import { countsText } from "../src/live-view.js";
import { normalizeOptions } from "../src/options.js";
import { stateText } from "../src/status-view.js";

const zero = { received: 0, accepted: 0, duplicate: 0, rejected: 0, manual: 0, dropped: 0 };

test("counts line leaves out statuses that did not occur", () => {
  assert.equal(countsText(zero, 0, 0), "0 events");
  assert.equal(countsText({ ...zero, received: 3, accepted: 2, rejected: 1, manual: 1 }, 3, 3), "3 events · 2 accepted · 1 rejected · 1 manual");
  assert.equal(countsText({ ...zero, received: 1, accepted: 1, dropped: 7 }, 1, 1), "1 event · 1 accepted · 7 skipped (view too slow)");
  assert.equal(countsText({ ...zero, received: 5, accepted: 5 }, 2, 5), "5 events · 2 shown by the filter · 5 accepted");
});

test("connection state names the retry and the close", () => {
  const info = { state: "connecting", retryAt: 10_500, closeCode: 1006, closeReason: "" };
  assert.equal(stateText(info, 8_000), "connecting (retry in 3 s); last close 1006");
  assert.equal(stateText({ state: "failed", retryAt: 0, closeCode: 1008, closeReason: "invalid key" }, 0), "rejected by the server; last close 1008: invalid key");
  assert.equal(stateText({ state: "ready", retryAt: 0, closeCode: 1006, closeReason: "" }, 0), "connected");
});

test("durations and skew read as words", () => {
  assert.equal(duration(42.4), "42 ms");
  assert.equal(duration(1340), "1.3 s");
  assert.equal(duration(null), "not measured");
  assert.equal(skewText(12), "12 ms (in sync)");
  assert.equal(skewText(2500), "this browser is 2.5 s behind the server");
  assert.equal(skewText(-300), "this browser is 300 ms ahead of the server");
});

test("stored fields are shown as text", () => {
  assert.equal(fieldText("received_at", 0), "1970-01-01T00:00:00.000Z (0)");
  assert.equal(fieldText("properties", '{"a":[1,2]}'), '{\n  "a": [\n    1,\n    2\n  ]\n}');
  assert.equal(fieldText("properties", "not json"), "not json");
  assert.equal(fieldText("event_endtime", null), "null");
  assert.equal(fieldText("flags", ["starttime_future"]), '[\n  "starttime_future"\n]');
  assert.equal(fieldText("manual", true), "true");
});

test("options fall back to defaults", () => {
  const options = normalizeOptions({ apiUrl: "http://127.0.0.1:8000/", key: "wk", position: "middle", width: 9000, accent: "red", view: "nope" });
  assert.equal(options.server, "http://127.0.0.1:8000");
  assert.equal(options.position, "bottom-right");
  assert.equal(options.width, 640);
  assert.equal(options.accent, "#2563eb");
  assert.equal(options.view, "log");
  assert.equal(normalizeOptions({ width: "250", collapsed: "true" }).width, 250);
  assert.equal(normalizeOptions({ collapsed: "true" }).collapsed, true);
});
