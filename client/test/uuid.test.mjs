import assert from "node:assert/strict";
import { test } from "node:test";

import { uuid } from "../src/uuid.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("uuid uses crypto.randomUUID when present", () => {
  assert.match(uuid(), UUID_V4);
});

test("uuid fallback makes distinct version 4 UUIDs", () => {
  // Pages served over plain HTTP (not localhost) have no crypto.randomUUID. An own property hides the method.
  Object.defineProperty(globalThis.crypto, "randomUUID", { value: undefined, configurable: true });
  try {
    const ids = new Set();
    for (let i = 0; i < 1000; i++) {
      const id = uuid();
      assert.match(id, UUID_V4);
      ids.add(id);
    }
    assert.equal(ids.size, 1000);
  } finally {
    delete globalThis.crypto.randomUUID;
  }
  assert.equal(typeof globalThis.crypto.randomUUID, "function");
});
