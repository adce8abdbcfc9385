// Script-tag entry point: sets `window.EventLayerOverlay` and, when the tag carries `data-key`, opens the
// overlay at once with the tag's options (see options.js). A second copy of the script on the same page
// keeps the first one, so a bookmarklet can be clicked again safely.
import { normalizeOptions, readScriptOptions } from "./options.js";
import { createOverlay } from "./overlay.js";

(() => {
  if (window.EventLayerOverlay && typeof window.EventLayerOverlay.init === "function") return;
  let overlay = null;

  function init(options) {
    try {
      if (overlay && !overlay.isDestroyed()) {
        overlay.open();
        return overlay;
      }
      const normalized = normalizeOptions(options);
      if (!normalized.server || !normalized.key) {
        console.warn("[eventlayer-overlay] init needs `server` (the EventLayer server's URL) and `key` (a write key)");
        return null;
      }
      overlay = createOverlay(normalized);
      return overlay;
    } catch (error) {
      // Never break the host page; say why the panel did not appear.
      console.warn("[eventlayer-overlay] could not start:", error);
      return null;
    }
  }

  const current = () => (overlay && !overlay.isDestroyed() ? overlay : null);
  window.EventLayerOverlay = {
    version: "0.1.0",
    init,
    /** Opens the panel, on `view` ("log", "live" or "status") when given. */
    open: (view) => current() && current().open(view),
    collapse: () => current() && current().collapse(),
    /** Opens a collapsed panel and collapses an open one. */
    toggle: () => current() && current().toggle(),
    /** Removes the panel and closes its connection. */
    destroy: () => current() && current().destroy(),
    /** Returns the connection's state and counters, or null when no overlay is open. */
    status: () => (current() ? current().status() : null),
  };

  try {
    const options = readScriptOptions(document.currentScript);
    if (options.key) init(options);
  } catch (error) {
    console.warn("[eventlayer-overlay] could not read the script tag's options:", error);
  }
})();
