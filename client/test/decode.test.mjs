import assert from "node:assert/strict";
import { test } from "node:test";

import { encode } from "@msgpack/msgpack";

import { decodeMessage } from "../src/decode.js";

test("decodes a welcome frame", () => {
  const welcome = {
    t: "welcome",
    v: 1,
    server_time: 1733300000123,
    limits: { max_frame_bytes: 1048576, max_batch: 1000, max_event_bytes: 32768 },
    can: ["ingest", "live"],
  };
  assert.deepEqual(decodeMessage(encode(welcome)), welcome);
});

test("decodes an ack with rejections", () => {
  const ack = { t: "ack", seq: 70000, accepted: 2, duplicates: 0, rejected: [{ i: 2, event_id: "x", reason: "event_name is 300 code points; the limit is 200" }] };
  assert.deepEqual(decodeMessage(encode(ack)), ack);
});

test("decodes every integer width", () => {
  const values = [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53) + 1];
  for (const value of values) assert.equal(decodeMessage(encode(value)), value, String(value));
});

test("decodes strings of every length class", () => {
  for (const length of [0, 31, 32, 255, 256, 65535, 65536]) {
    const text = "\u00e9".repeat(length);
    assert.equal(decodeMessage(encode(text)), text, `length ${length}`);
  }
});

test("decodes large arrays and maps", () => {
  const array = Array.from({ length: 70000 }, (_, i) => i % 3);
  assert.deepEqual(decodeMessage(encode(array)), array);
  const map = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
  assert.deepEqual(decodeMessage(encode(map)), map);
});

test("decodes floats, booleans and nil", () => {
  assert.deepEqual(decodeMessage(encode([1.5, -0.25, true, false, null])), [1.5, -0.25, true, false, null]);
});

test("decodes a view into a larger buffer", () => {
  const bytes = encode({ t: "ack", seq: 1 });
  const padded = new Uint8Array(bytes.length + 10);
  padded.set(bytes, 5);
  assert.deepEqual(decodeMessage(padded.subarray(5, 5 + bytes.length)), { t: "ack", seq: 1 });
});

test("truncated input raises RangeError", () => {
  const bytes = encode({ t: "welcome", v: 1 });
  assert.throws(() => decodeMessage(bytes.subarray(0, bytes.length - 2)), RangeError);
  assert.throws(() => decodeMessage(new Uint8Array(0)), RangeError);
});

test("trailing bytes raise an error", () => {
  assert.throws(() => decodeMessage(new Uint8Array([0x01, 0x02])), /bytes left/);
});

test("binary and extension types raise an error", () => {
  assert.throws(() => decodeMessage(new Uint8Array([0xc4, 0x01, 0x00])), /unsupported/);
  assert.throws(() => decodeMessage(new Uint8Array([0xd4, 0x01, 0x00])), /unsupported/);
});
