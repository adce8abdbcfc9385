import assert from "node:assert/strict";
import { test } from "node:test";

import { checkFields, outcomeOf, parseProperties } from "../src/fields.js";

const valid = { event_type: "click", event_name: "Signup", event_value: "", properties: "" };

test("valid fields give an event", () => {
  const { event, errors } = checkFields({ ...valid, event_value: "42", properties: '{"plan": "pro"}' });
  assert.equal(errors, undefined);
  assert.deepEqual(event, { event_type: "click", event_name: "Signup", event_value: "42", properties: { plan: "pro" } });
});

test("type and name are required, value is not", () => {
  const { errors } = checkFields({ ...valid, event_type: "  ", event_name: "" });
  assert.equal(errors.event_type, "Event type is required");
  assert.equal(errors.event_name, "Event name is required");
  assert.equal(errors.event_value, undefined);
});

test("limits count code points", () => {
  assert.equal(checkFields({ ...valid, event_name: "😀".repeat(200) }).errors, undefined);
  const { errors } = checkFields({ ...valid, event_name: "😀".repeat(201), event_value: "x".repeat(8193) });
  assert.equal(errors.event_name, "Event name is 201 characters; the limit is 200");
  assert.equal(errors.event_value, "Value is 8,193 characters; the limit is 8,192");
});

test("NUL in a field is reported", () => {
  assert.match(checkFields({ ...valid, event_type: "a\u0000" }).errors.event_type, /U\+0000/);
});

test("properties must be a JSON object", () => {
  assert.deepEqual(parseProperties("   "), { value: {} });
  assert.match(parseProperties("{").error, /^Properties are not valid JSON: /);
  for (const text of ["[1]", "null", "3", '"text"']) {
    assert.match(parseProperties(text).error, /must be a JSON object/, text);
  }
});

test("outcome follows the ack", () => {
  assert.deepEqual(outcomeOf({ ack: { accepted: 1, duplicates: 0, rejected: [] } }), { status: "accepted", reason: "" });
  assert.deepEqual(outcomeOf({ ack: { accepted: 0, duplicates: 1, rejected: [] } }), { status: "duplicate", reason: "" });
  const rejected = { ack: { accepted: 0, duplicates: 0, rejected: [{ i: 0, event_id: "x", reason: "event_name is missing" }] } };
  assert.deepEqual(outcomeOf(rejected), { status: "rejected", reason: "event_name is missing" });
});

test("outcome of an error frame is a rejection", () => {
  const error = { error: { t: "error", code: "invalid_batch", message: "batch has 1,001 events; the limit is 1,000" } };
  assert.deepEqual(outcomeOf(error), { status: "rejected", reason: "batch has 1,001 events; the limit is 1,000" });
});
