import assert from "node:assert/strict";
import { test } from "node:test";

import { chunkBySize, createQueue } from "../src/queue.js";

function memoryStorage() {
  const map = new Map();
  return {
    get: (key) => (map.has(key) ? map.get(key) : null),
    set: (key, value) => map.set(key, value),
    remove: (key) => map.delete(key),
    keys: () => Array.from(map.keys()),
    // Like createStorage: unreadable JSON reads as null.
    getJSON: (key) => {
      try {
        return JSON.parse(map.get(key));
      } catch {
        return null;
      }
    },
    setJSON: (key, value) => map.set(key, JSON.stringify(value)),
  };
}

const event = (id, extra = "") => ({ event_id: String(id), event_type: "track", event_name: "n", properties: { extra } });

function makeQueue(options = {}) {
  return createQueue({ maxEvents: 100, maxBytes: 1e6, storage: memoryStorage(), projectKey: "k", pageId: "p1", ...options });
}

test("chunkBySize keeps each chunk within the limit", () => {
  const sizes = [30, 30, 30, 50, 10, 90, 5];
  const chunks = chunkBySize(sizes, (size) => size, 100, 10);
  assert.deepEqual(chunks, [[30, 30], [30, 50], [10], [90], [5]]);
  for (const chunk of chunks) {
    const total = 10 + chunk.reduce((sum, size) => sum + size, 0) + chunk.length - 1;
    assert.ok(total <= 100 || chunk.length === 1, `chunk ${chunk} is ${total} bytes`);
  }
});

test("chunkBySize gives an oversized item its own chunk", () => {
  assert.deepEqual(chunkBySize([10, 500, 10], (size) => size, 100, 0), [[10], [500], [10]]);
});

test("chunkBySize of nothing is no chunks", () => {
  assert.deepEqual(chunkBySize([], () => 1, 100, 0), []);
});

test("take marks entries and settle removes them", () => {
  const queue = makeQueue();
  for (let i = 0; i < 5; i++) queue.add(event(i));
  const taken = queue.take(3, 1e6, 7, 0);
  assert.deepEqual(taken.map((entry) => entry.event.event_id), ["0", "1", "2"]);
  assert.equal(queue.stats().inFlight, 3);
  queue.settle(7);
  assert.equal(queue.stats().queued, 2);
  assert.ok(!queue.has("0"));
  assert.ok(queue.has("3"));
});

test("release puts entries back in line", () => {
  const queue = makeQueue();
  for (let i = 0; i < 3; i++) queue.add(event(i));
  queue.take(10, 1e6, 1, 0);
  queue.release(1);
  assert.equal(queue.stats().inFlight, 0);
  assert.equal(queue.take(10, 1e6, 2, 0).length, 3);
});

test("release with a delay holds entries until then", () => {
  const queue = makeQueue();
  queue.add(event(1));
  queue.take(10, 1e6, 1, 0);
  queue.release(1, 5000);
  assert.equal(queue.take(10, 1e6, 2, 4999).length, 0);
  assert.equal(queue.take(10, 1e6, 3, 5000).length, 1);
});

test("take stops at the byte limit but takes at least one", () => {
  const queue = makeQueue();
  for (let i = 0; i < 3; i++) queue.add(event(i, "x".repeat(1000)));
  assert.equal(queue.take(10, 2500, 1, 0).length, 2);
  const queue2 = makeQueue();
  queue2.add(event(1, "x".repeat(5000)));
  assert.equal(queue2.take(10, 100, 1, 0).length, 1);
});

test("event cap drops the oldest waiting events and counts them", () => {
  const queue = makeQueue({ maxEvents: 3 });
  for (let i = 0; i < 5; i++) queue.add(event(i));
  assert.deepEqual(queue.entries().map((entry) => entry.event.event_id), ["2", "3", "4"]);
  assert.equal(queue.stats().dropped, 2);
});

test("event cap keeps in-flight events", () => {
  const queue = makeQueue({ maxEvents: 2 });
  queue.add(event(0));
  queue.add(event(1));
  queue.take(2, 1e6, 1, 0);
  assert.equal(queue.add(event(2)), false);
  assert.deepEqual(queue.entries().map((entry) => entry.event.event_id), ["0", "1"]);
  assert.equal(queue.stats().dropped, 1);
});

test("byte cap drops events too", () => {
  const queue = makeQueue({ maxBytes: 3000 });
  for (let i = 0; i < 10; i++) queue.add(event(i, "x".repeat(900)));
  assert.ok(queue.stats().bytes <= 3000);
  assert.equal(queue.stats().queued + queue.stats().dropped, 10);
});

test("the same event id is queued once", () => {
  const queue = makeQueue();
  queue.add(event(1));
  queue.add(event(1));
  assert.equal(queue.stats().queued, 1);
});

test("save mirrors the queue and removes it when empty", () => {
  const storage = memoryStorage();
  const queue = makeQueue({ storage });
  queue.add(event(1));
  queue.save(1000, true, false);
  assert.equal(storage.getJSON("eventlayer:queue:k:p1").events.length, 1);
  queue.take(1, 1e6, 1, 0);
  queue.settle(1);
  queue.save(2000, true, false);
  assert.equal(storage.get("eventlayer:queue:k:p1"), null);
});

test("save is throttled unless forced", () => {
  const storage = memoryStorage();
  const queue = makeQueue({ storage });
  queue.add(event(1));
  queue.save(10000, false, false);
  queue.add(event(2));
  queue.save(10500, false, false);
  assert.equal(storage.getJSON("eventlayer:queue:k:p1").events.length, 1);
  queue.save(11000, false, false);
  assert.equal(storage.getJSON("eventlayer:queue:k:p1").events.length, 2);
});

test("adopt takes events of closed pages", () => {
  const storage = memoryStorage();
  const first = makeQueue({ storage, pageId: "first" });
  first.add(event(1));
  first.add(event(2));
  first.save(1000, true, true);
  const second = makeQueue({ storage, pageId: "second" });
  assert.equal(second.adopt(1001), 2);
  assert.ok(second.has("1"));
  assert.ok(second.has("2"));
  assert.equal(storage.get("eventlayer:queue:k:first"), null);
});

test("adopt leaves live pages alone", () => {
  const storage = memoryStorage();
  const live = makeQueue({ storage, pageId: "live" });
  live.add(event(1));
  live.save(1000, true, false);
  const other = makeQueue({ storage, pageId: "other" });
  assert.equal(other.adopt(2000), 0);
  assert.notEqual(storage.get("eventlayer:queue:k:live"), null);
});

test("adopt takes events of pages gone quiet for two minutes", () => {
  const storage = memoryStorage();
  const crashed = makeQueue({ storage, pageId: "crashed" });
  crashed.add(event(1));
  crashed.save(1000, true, false);
  const other = makeQueue({ storage, pageId: "other" });
  assert.equal(other.adopt(1000 + 120000), 1);
});

test("adopt ignores other projects and broken mirrors", () => {
  const storage = memoryStorage();
  storage.setJSON("eventlayer:queue:other-key:p", { updated: 0, closed: true, events: [event(1)] });
  storage.set("eventlayer:queue:k:broken", "{not json");
  const queue = makeQueue({ storage });
  assert.equal(queue.adopt(1000), 0);
  assert.notEqual(storage.get("eventlayer:queue:other-key:p"), null);
  assert.equal(storage.get("eventlayer:queue:k:broken"), null);
});

test("closed mark stays until cleared", () => {
  const storage = memoryStorage();
  const queue = makeQueue({ storage });
  queue.add(event(1));
  queue.save(1000, true, true);
  queue.save(1001, true);
  assert.equal(storage.getJSON("eventlayer:queue:k:p1").closed, true);
  queue.save(1002, true, false);
  assert.equal(storage.getJSON("eventlayer:queue:k:p1").closed, false);
});
