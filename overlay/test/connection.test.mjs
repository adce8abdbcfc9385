import assert from "node:assert/strict";
import { test } from "node:test";

import { median, reconnectDelay } from "../src/connection.js";

test("reconnect delay doubles up to 15 s", () => {
  const top = () => 1;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 30].map((attempt) => reconnectDelay(attempt, top)), [1000, 2000, 4000, 8000, 15000, 15000, 15000]);
});

test("reconnect delay keeps at least half the ceiling", () => {
  const bottom = () => 0;
  assert.deepEqual([0, 1, 4].map((attempt) => reconnectDelay(attempt, bottom)), [500, 1000, 7500]);
});

test("median of odd, even and empty lists", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
});
