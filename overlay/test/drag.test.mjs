import assert from "node:assert/strict";
import { test } from "node:test";

import { boxOf, clampPlacement, cornerPlacement, isPlacement, placementOf } from "../src/drag.js";

const viewport = { width: 1000, height: 800 };
const size = { width: 300, height: 400 };

test("corner placement is 16 px from both edges", () => {
  assert.deepEqual(cornerPlacement("bottom-right"), { edgeX: "right", x: 16, edgeY: "bottom", y: 16 });
  assert.deepEqual(cornerPlacement("top-left"), { edgeX: "left", x: 16, edgeY: "top", y: 16 });
});

test("placement measures from the nearest edges", () => {
  assert.deepEqual(placementOf({ left: 600, top: 380, ...size }, viewport), { edgeX: "right", x: 100, edgeY: "bottom", y: 20 });
  assert.deepEqual(placementOf({ left: 50, top: 30, ...size }, viewport), { edgeX: "left", x: 50, edgeY: "top", y: 30 });
});

test("placement keeps the box inside the viewport", () => {
  assert.deepEqual(placementOf({ left: -80, top: 900, ...size }, viewport), { edgeX: "left", x: 0, edgeY: "bottom", y: 0 });
  assert.deepEqual(placementOf({ left: 950, top: -5, ...size }, viewport), { edgeX: "right", x: 0, edgeY: "top", y: 0 });
});

test("box and placement convert both ways", () => {
  const placement = { edgeX: "right", x: 40, edgeY: "bottom", y: 24 };
  const box = boxOf(placement, size, viewport);
  assert.deepEqual(box, { left: 660, top: 376, width: 300, height: 400 });
  assert.deepEqual(placementOf(box, viewport), placement);
});

test("clamp moves a placement back after a resize", () => {
  const far = { edgeX: "left", x: 900, edgeY: "top", y: 700 };
  assert.deepEqual(clampPlacement(far, size, viewport), { edgeX: "right", x: 0, edgeY: "bottom", y: 0 });
});

test("a box larger than the viewport sticks to the top left", () => {
  assert.deepEqual(placementOf({ left: 10, top: 10, width: 1200, height: 900 }, viewport), { edgeX: "left", x: 0, edgeY: "top", y: 0 });
});

test("stored placements are checked", () => {
  assert.equal(isPlacement({ edgeX: "right", x: 1, edgeY: "top", y: 2 }), true);
  assert.equal(isPlacement({ edgeX: "middle", x: 1, edgeY: "top", y: 2 }), false);
  assert.equal(isPlacement({ edgeX: "right", x: "1", edgeY: "top", y: 2 }), false);
  assert.equal(isPlacement(null), false);
});
