// Script-tag entry point: sets `window.eventlayer` and initialises from the tag's data attributes
// (`data-server`, `data-key`, ...). Calls that a loader snippet queued as `window.eventlayer = [["track",
// "x"], ...]` before the script arrived are replayed in order.
import { createClient } from "./client.js";
import { readScriptOptions } from "./config.js";

(() => {
  try {
    const existing = window.eventlayer;
    // A second copy of the script on the same page keeps the first instance.
    if (existing && !Array.isArray(existing) && typeof existing.track === "function") return;
    const client = createClient();
    window.eventlayer = client;
    const options = readScriptOptions(document.currentScript);
    if (options.key) client.init(options);
    if (Array.isArray(existing)) {
      for (const call of existing) {
        if (Array.isArray(call) && typeof client[call[0]] === "function") client[call[0]](...call.slice(1));
      }
    }
  } catch {
    // Never break the host page, even on a browser too old for this script.
  }
})();
