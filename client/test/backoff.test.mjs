import assert from "node:assert/strict";
import { test } from "node:test";

import { backoffDelay, reconnectDelay, retryAfterMs } from "../src/backoff.js";

test("backoff ceiling doubles per attempt", () => {
  const almostOne = () => 0.999999;
  assert.equal(backoffDelay(0, 1000, 60000, almostOne), 999);
  assert.equal(backoffDelay(1, 1000, 60000, almostOne), 1999);
  assert.equal(backoffDelay(4, 1000, 60000, almostOne), 15999);
});

test("backoff ceiling stops at the maximum", () => {
  const almostOne = () => 0.999999;
  assert.equal(backoffDelay(10, 1000, 15000, almostOne), 14999);
  assert.equal(backoffDelay(500, 1000, 15000, almostOne), 14999);
});

test("backoff uses full jitter from zero", () => {
  assert.equal(backoffDelay(5, 1000, 15000, () => 0), 0);
  assert.equal(backoffDelay(3, 1000, 15000, () => 0.5), 4000);
});

test("backoff delays spread over the whole range", () => {
  const delays = Array.from({ length: 2000 }, () => backoffDelay(3, 1000, 60000));
  for (const delay of delays) {
    assert.ok(delay >= 0, `delay ${delay} is negative`);
    assert.ok(delay < 8000, `delay ${delay} is over the ceiling of 8000`);
  }
  assert.ok(Math.min(...delays) < 1000, "no delay in the lowest eighth");
  assert.ok(Math.max(...delays) > 7000, "no delay in the highest eighth");
});

test("backoff treats a negative attempt as the first", () => {
  assert.equal(backoffDelay(-3, 1000, 15000, () => 0.5), 500);
});

test("close 1008 waits at least 30 seconds", () => {
  assert.equal(reconnectDelay(0, 1008, 1000, 15000, () => 0), 30000);
  assert.ok(reconnectDelay(20, 1008, 1000, 15000, () => 0.999999) <= 300000);
});

test("close 1013 waits at least 5 seconds", () => {
  assert.equal(reconnectDelay(0, 1013, 1000, 15000, () => 0), 5000);
  assert.ok(reconnectDelay(20, 1013, 1000, 15000, () => 0.999999) <= 120000);
});

test("close 1012 reconnects within 2 seconds", () => {
  for (const attempt of [0, 1, 5, 50]) {
    const delay = reconnectDelay(attempt, 1012, 1000, 15000, () => 0.999999);
    assert.ok(delay >= 250, `attempt ${attempt}: ${delay} is under 250`);
    assert.ok(delay < 2000, `attempt ${attempt}: ${delay} is 2000 or more`);
  }
});

test("other close codes use the given base and maximum", () => {
  const almostOne = () => 0.999999;
  assert.equal(reconnectDelay(0, 1006, 1000, 15000, almostOne), 999);
  assert.equal(reconnectDelay(9, 1011, 1000, 15000, almostOne), 14999);
  assert.equal(reconnectDelay(2, null, 500, 15000, almostOne), 1999);
});

test("Retry-After in seconds", () => {
  assert.equal(retryAfterMs("120"), 120000);
  assert.equal(retryAfterMs(" 0 "), 0);
});

test("Retry-After as an HTTP date is not used", () => {
  assert.equal(retryAfterMs("Wed, 21 Oct 2015 07:28:30 GMT"), null);
});

test("Retry-After missing or invalid", () => {
  assert.equal(retryAfterMs(null), null);
  assert.equal(retryAfterMs(""), null);
  assert.equal(retryAfterMs("soon"), null);
});
