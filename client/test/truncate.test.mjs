import assert from "node:assert/strict";
import { test } from "node:test";

import { cleanString, clusterStart, codePointLength, truncate, utf8Length } from "../src/truncate.js";

const FAMILY = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}"; // 7 code points
const THUMBS_UP_MEDIUM = "\u{1F44D}\u{1F3FD}"; // 2 code points
const FLAG_FR = "\u{1F1EB}\u{1F1F7}";
const FLAG_DE = "\u{1F1E9}\u{1F1EA}";
const KEYCAP_ONE = "1\uFE0F\u20E3"; // 3 code points
const HEART_RED = "\u2764\uFE0F"; // 2 code points
const FLAG_ENGLAND = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"; // 7 code points
const E_ACUTE_COMBINING = "e\u0301";

// Lone surrogates in a string show that a cut split a surrogate pair.
const hasLoneSurrogate = (text) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

test("truncate keeps short strings", () => {
  assert.equal(truncate("hello", 5), "hello");
  assert.equal(truncate("", 0), "");
  assert.equal(truncate("\u{1F600}".repeat(3), 3), "\u{1F600}".repeat(3));
});

test("truncate counts code points, not UTF-16 units", () => {
  const text = "\u{1F600}".repeat(300);
  const cut = truncate(text, 200);
  assert.equal(codePointLength(cut), 200);
  assert.equal(cut.length, 400);
});

test("truncate never splits a surrogate pair", () => {
  const text = "a\u{1F600}b\u{1F601}c\u{10348}".repeat(50);
  for (let max = 0; max < 60; max++) {
    const cut = truncate(text, max);
    assert.ok(!hasLoneSurrogate(cut), `max ${max} left a lone surrogate`);
    assert.ok(codePointLength(cut) <= max, `max ${max} gave ${codePointLength(cut)} code points`);
    assert.ok(text.startsWith(cut));
  }
});

test("truncate keeps ZWJ sequences whole", () => {
  const text = FAMILY.repeat(20);
  for (let max = 7; max < 30; max++) {
    const cut = truncate(text, max);
    assert.equal(cut, FAMILY.repeat(Math.floor(max / 7)), `max ${max}`);
  }
});

test("truncate keeps skin tones, keycaps and variation selectors", () => {
  assert.equal(truncate(THUMBS_UP_MEDIUM.repeat(3), 3), THUMBS_UP_MEDIUM);
  assert.equal(truncate(KEYCAP_ONE.repeat(2), 5), KEYCAP_ONE);
  assert.equal(truncate(KEYCAP_ONE.repeat(2), 4), KEYCAP_ONE);
  assert.equal(truncate(HEART_RED.repeat(2), 3), HEART_RED);
});

test("truncate keeps flags whole", () => {
  const flags = FLAG_FR + FLAG_DE + FLAG_FR;
  assert.equal(truncate(flags, 1), "");
  assert.equal(truncate(flags, 2), FLAG_FR);
  assert.equal(truncate(flags, 3), FLAG_FR);
  assert.equal(truncate(flags, 4), FLAG_FR + FLAG_DE);
  assert.equal(truncate(flags, 5), FLAG_FR + FLAG_DE);
  assert.equal(truncate("x" + flags, 4), "x" + FLAG_FR);
});

test("truncate keeps tag sequences whole", () => {
  assert.equal(truncate(FLAG_ENGLAND.repeat(2), 10), FLAG_ENGLAND);
});

test("truncate keeps combining marks with their letter", () => {
  assert.equal(truncate(E_ACUTE_COMBINING.repeat(3), 3), E_ACUTE_COMBINING);
});

test("truncate cuts inside a cluster longer than 32 code points", () => {
  const zalgo = "a" + "\u0301".repeat(100);
  assert.equal(codePointLength(truncate(zalgo, 50)), 50);
});

test("truncate of 10,000 emoji stays within the limit", () => {
  const text = "\u{1F600}".repeat(10000);
  const cut = truncate(text, 200);
  assert.equal(cut, "\u{1F600}".repeat(200));
});

test("clusterStart returns boundaries unchanged", () => {
  assert.equal(clusterStart("abc", 1), 1);
  assert.equal(clusterStart(FAMILY + "x", FAMILY.length), FAMILY.length);
});

test("cleanString replaces NUL and lone surrogates", () => {
  assert.equal(cleanString("a\u0000b\u0000"), "a\uFFFDb\uFFFD");
  assert.equal(cleanString("x\uD800y"), "x\uFFFDy");
  assert.equal(cleanString("x\uDC00"), "x\uFFFD");
  assert.equal(cleanString("\u{1F600}"), "\u{1F600}");
});

test("codePointLength counts pairs once", () => {
  assert.equal(codePointLength(""), 0);
  assert.equal(codePointLength("abc"), 3);
  assert.equal(codePointLength(FAMILY), 7);
  assert.equal(codePointLength("\uD800"), 1);
});

test("utf8Length matches TextEncoder", () => {
  for (const text of ["", "abc", "\u00e9", "\u20ac", "\u{1F600}", FAMILY, "mixed \u00e9\u20ac\u{1F600} text"]) {
    assert.equal(utf8Length(text), new TextEncoder().encode(text).length, JSON.stringify(text));
  }
});
