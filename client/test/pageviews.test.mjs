import assert from "node:assert/strict";
import { test } from "node:test";

import { createPageViewTracker } from "../src/pageviews.js";

// Feeds history calls made in one task, then settles; returns every page view URL reported.
function runTask(tracker, calls) {
  const reported = [];
  for (const [kind, url] of calls) {
    const earlier = tracker.navigate(kind, url);
    if (earlier !== null) reported.push(earlier);
  }
  const settled = tracker.settle();
  if (settled !== null) reported.push(settled);
  return reported;
}

test("pushState to a new URL is a page view", () => {
  const tracker = createPageViewTracker("/");
  assert.deepEqual(runTask(tracker, [["push", "/a"]]), ["/a"]);
});

test("pushState then replaceState to the same URL counts once", () => {
  const tracker = createPageViewTracker("/");
  assert.deepEqual(runTask(tracker, [["push", "/a"], ["replace", "/a"]]), ["/a"]);
});

test("pushState then replaceState with a normalised URL counts once", () => {
  const tracker = createPageViewTracker("/");
  assert.deepEqual(runTask(tracker, [["push", "/a?utm=x"], ["replace", "/a"]]), ["/a"]);
});

test("replaceState keeping the URL is not a page view", () => {
  const tracker = createPageViewTracker("/a");
  assert.deepEqual(runTask(tracker, [["replace", "/a"]]), []);
});

test("later replaceState keeping the URL ignored", () => {
  const tracker = createPageViewTracker("/");
  runTask(tracker, [["push", "/a"]]);
  assert.deepEqual(runTask(tracker, [["replace", "/a"]]), []);
});

test("replaceState to a new URL is a page view", () => {
  const tracker = createPageViewTracker("/a");
  assert.deepEqual(runTask(tracker, [["replace", "/a?tab=2"]]), ["/a?tab=2"]);
});

test("two pushStates in one task are two page views", () => {
  const tracker = createPageViewTracker("/");
  assert.deepEqual(runTask(tracker, [["push", "/a"], ["push", "/b"]]), ["/a", "/b"]);
});

test("pushState to the current URL is not a page view", () => {
  const tracker = createPageViewTracker("/a");
  assert.deepEqual(runTask(tracker, [["push", "/a"]]), []);
});

test("popstate and hashchange for one navigation count once", () => {
  const tracker = createPageViewTracker("/a");
  assert.deepEqual(runTask(tracker, [["pop", "/a#x"], ["hash", "/a#x"]]), ["/a#x"]);
});

test("back navigation is a page view", () => {
  const tracker = createPageViewTracker("/");
  runTask(tracker, [["push", "/a"]]);
  runTask(tracker, [["push", "/b"]]);
  assert.deepEqual(runTask(tracker, [["pop", "/a"]]), ["/a"]);
});

test("settle without navigation reports nothing", () => {
  const tracker = createPageViewTracker("/");
  assert.equal(tracker.settle(), null);
});

test("reported URL is not reported again", () => {
  const tracker = createPageViewTracker("/");
  tracker.reported("/manual");
  assert.deepEqual(runTask(tracker, [["replace", "/manual"]]), []);
});

test("three navigations make three page views", () => {
  const tracker = createPageViewTracker("/");
  const reported = [
    ...runTask(tracker, [["push", "/pricing"], ["replace", "/pricing"]]),
    ...runTask(tracker, [["push", "/docs"]]),
    ...runTask(tracker, [["push", "/about"], ["replace", "/about"]]),
  ];
  assert.deepEqual(reported, ["/pricing", "/docs", "/about"]);
});
