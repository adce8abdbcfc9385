// Automatic events: clicks, form submissions and scroll depth. Page views are in pageviews.js. Listeners
// run in the capture phase, so that a page calling stopPropagation does not hide its clicks, and passive,
// so that they never delay scrolling.
import { clickableAncestor, clickProperties, elementText, formProperties, isIgnored } from "./elements.js";

const SCROLL_MILESTONES = [25, 50, 75, 100];
const SCROLL_CHECK_MS = 200;

/**
 * Starts the autocapture kinds turned on in `kinds` and reports each event through
 * `emit(type, name, value, properties)`. Returns `{ resetScroll, stop }`.
 */
export function startAutocapture(kinds, emit, log) {
  const cleanups = [];
  const listen = (target, type, handler) => {
    const safeHandler = (event) => {
      try {
        handler(event);
      } catch (error) {
        log(type, "failed", error);
      }
    };
    target.addEventListener(type, safeHandler, { capture: true, passive: true });
    cleanups.push(() => target.removeEventListener(type, safeHandler, { capture: true }));
  };

  if (kinds.click) {
    listen(document, "click", (event) => {
      const target = event.composedPath ? event.composedPath()[0] : event.target;
      const element = clickableAncestor(target);
      if (!element || isIgnored(element)) return;
      const properties = clickProperties(element);
      const label = element.getAttribute("aria-label") || element.getAttribute("title");
      const name = elementText(element) || label || properties.name || properties.id || properties.tag;
      emit("click", name, properties.href || "", properties);
    });
  }

  if (kinds.submit) {
    listen(document, "submit", (event) => {
      const form = event.target;
      if (!form || form.tagName !== "FORM" || isIgnored(form)) return;
      const properties = formProperties(form);
      emit("submit", properties.form_name || properties.form_id || "form", properties.action, properties);
    });
  }

  let reached = new Set();
  let scrollTimer = null;
  const checkScroll = () => {
    scrollTimer = null;
    const height = document.documentElement.scrollHeight;
    if (height <= window.innerHeight) return;
    // One pixel of slack: at fractional zoom levels the bottom can stay a fraction short of scrollHeight.
    const depth = ((window.scrollY + window.innerHeight + 1) / height) * 100;
    for (const milestone of SCROLL_MILESTONES) {
      if (depth >= milestone && !reached.has(milestone)) {
        reached.add(milestone);
        emit("scroll", "Scroll depth", String(milestone), { depth: milestone, scroll_y: Math.round(window.scrollY) });
      }
    }
  };
  if (kinds.scroll) {
    listen(window, "scroll", () => {
      if (!scrollTimer) scrollTimer = setTimeout(checkScroll, SCROLL_CHECK_MS);
    });
  }

  return {
    /** Starts counting scroll milestones again, for a new page view. */
    resetScroll() {
      reached = new Set();
    },
    stop() {
      clearTimeout(scrollTimer);
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
}
