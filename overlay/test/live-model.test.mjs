import assert from "node:assert/strict";
import { test } from "node:test";

import { createLiveModel, deliveryKey, matchesText, MAX_HELD } from "../src/live-model.js";

const accepted = (id, fields = {}) => ({ event_id: id, status: "accepted", event_type: "click", event_name: `Button ${id}`, ...fields });

test("text filter ignores case and looks at readable fields", () => {
  const event = accepted("1", { event_value: "Pro Plan", url: "https://shop.test/cart" });
  assert.equal(matchesText(event, "pro plan"), true);
  assert.equal(matchesText(event, "CART"), true);
  assert.equal(matchesText(event, "  "), true);
  assert.equal(matchesText(event, "nothing"), false);
  assert.equal(matchesText({ status: "rejected", reason: "event_name is missing" }, "missing"), true);
});

test("accepted events are shown once", () => {
  const model = createLiveModel();
  assert.equal(model.receive([accepted("1"), accepted("2")]).length, 2);
  // A backfill after a reconnect repeats them.
  assert.deepEqual(model.receive([accepted("1"), accepted("3")]).map((event) => event.event_id), ["3"]);
  assert.equal(model.counts.received, 3);
  assert.equal(model.counts.accepted, 3);
});

test("duplicate and rejected outcomes always count", () => {
  const model = createLiveModel();
  model.receive([accepted("1")]);
  const shown = model.receive([{ ...accepted("1"), status: "duplicate" }, { event_id: "1", status: "rejected", reason: "x" }]);
  assert.equal(shown.length, 2);
  assert.deepEqual([model.counts.duplicate, model.counts.rejected], [1, 1]);
  assert.equal(deliveryKey({ event_id: "1", status: "duplicate" }), null);
});

test("manual events are counted", () => {
  const model = createLiveModel();
  model.receive([accepted("1", { manual: true }), accepted("2", { manual: false })]);
  assert.equal(model.counts.manual, 1);
});

test("pause holds events until resume", () => {
  const model = createLiveModel();
  model.pause();
  assert.deepEqual(model.receive([accepted("1"), accepted("2")]), []);
  assert.equal(model.held, 2);
  assert.equal(model.counts.received, 2);
  assert.deepEqual(model.resume().map((event) => event.event_id), ["1", "2"]);
  assert.equal(model.held, 0);
  assert.equal(model.paused, false);
});

test("pause drops the oldest beyond the limit", () => {
  const model = createLiveModel();
  model.pause();
  model.receive(Array.from({ length: MAX_HELD + 3 }, (_, i) => accepted(String(i))));
  assert.equal(model.held, MAX_HELD);
  assert.equal(model.heldDropped, 3);
  assert.equal(model.resume()[0].event_id, "3");
});

test("clear keeps cleared events from coming back", () => {
  const model = createLiveModel();
  model.receive([accepted("1")]);
  model.gap(4);
  model.clear();
  assert.deepEqual(model.counts, { received: 0, accepted: 0, duplicate: 0, rejected: 0, manual: 0, dropped: 0 });
  assert.deepEqual(model.receive([accepted("1")]), []);
  model.reset();
  assert.equal(model.receive([accepted("1")]).length, 1);
});
