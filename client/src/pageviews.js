// Page views in single-page apps. Routers often make two history calls for one navigation (pushState, then
// replaceState to add state or normalise the URL). So calls made in one task are merged into one page view,
// which is reported at the end of that task if the URL differs from the last page view.

/**
 * Creates the pure decision logic. Feed it `navigate(kind, url)` for each history change (kind: "push",
 * "replace", "pop" or "hash") and call `settle()` at the end of the task. Both return the URL of a page view
 * to report, or null.
 */
export function createPageViewTracker(initialUrl = null) {
  let last = initialUrl;
  let pending = null;

  function settle() {
    const url = pending;
    pending = null;
    if (url === null || url === last) return null;
    last = url;
    return url;
  }

  return {
    navigate(kind, url) {
      // A second pushState in the same task makes a second history entry: report the first one now.
      const earlier = kind === "push" && pending !== null ? settle() : null;
      pending = url;
      return earlier;
    },
    settle,
    /** Records a page view reported by other means (the first one, or a manual `page()` call). */
    reported(url) {
      last = url;
    },
  };
}

/**
 * Watches history.pushState, history.replaceState, popstate and hashchange, and calls `onPageView()` for
 * each page view the tracker decides on. Returns a function that undoes the patching.
 */
export function watchHistory(tracker, onPageView) {
  const history = window.history;
  let scheduled = false;

  const report = (url) => url !== null && onPageView(url);
  const changed = (kind) => {
    report(tracker.navigate(kind, location.href));
    if (!scheduled) {
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        report(tracker.settle());
      }, 0);
    }
  };

  const originals = {};
  const wrappers = {};
  for (const [method, kind] of [["pushState", "push"], ["replaceState", "replace"]]) {
    const original = history[method];
    originals[method] = original;
    history[method] = wrappers[method] = function (...args) {
      const result = original.apply(this, args);
      try {
        changed(kind);
      } catch {
        // Tracking must never break the page's own navigation.
      }
      return result;
    };
  }
  const onPop = () => changed("pop");
  const onHash = () => changed("hash");
  window.addEventListener("popstate", onPop);
  window.addEventListener("hashchange", onHash);

  return () => {
    window.removeEventListener("popstate", onPop);
    window.removeEventListener("hashchange", onHash);
    // Another script may have wrapped our wrapper since; restoring then would drop its wrapper too.
    for (const method of Object.keys(originals)) {
      if (history[method] === wrappers[method]) history[method] = originals[method];
    }
  };
}
