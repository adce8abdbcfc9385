// The element the panel lives in: a custom element `<eventlayer-overlay>` with a shadow root, appended to
// `<html>` and shown in the top layer.
//
// Why each step: a custom element name matches no rule written for divs or other standard tags (such as
// `div:empty { display: none !important }`). Its inline `!important` declarations beat every rule of the
// page's stylesheets, `!important` ones included, because the cascade ranks a style attribute above all
// author rules of the same importance. `all: initial` stops inherited page styles (fonts, colours,
// visibility) at the host. The top layer, entered through the Popover API, paints above every z-index
// of the page. Browsers without the Popover API get `z-index: 2147483647` instead, and the host is moved back
// to the end of `<html>` when the page appends elements after it, because at equal z-index the later
// element in tree order paints on top.

export const HOST_TAG = "eventlayer-overlay";
// A host the page moves or removes in a loop is put back at most this often.
const MAX_RESTORES_PER_SECOND = 10;

const BASE_STYLE = [
  ["all", "initial"],
  ["display", "block"],
  ["position", "fixed"],
  ["z-index", "2147483647"],
  ["margin", "0"],
  ["padding", "0"],
  ["border", "0"],
  ["width", "auto"],
  ["height", "auto"],
  ["max-width", "none"],
  ["max-height", "none"],
  ["background", "transparent"],
  ["overflow", "visible"],
  ["visibility", "visible"],
  ["opacity", "1"],
  ["pointer-events", "auto"],
  ["transform", "none"],
  ["filter", "none"],
];

const supportsPopover = () => typeof HTMLElement.prototype.showPopover === "function";

function setImportant(element, name, value) {
  element.style.setProperty(name, value, "important");
}

/**
 * Creates and mounts the host. Returns `{ host, shadow, place(placement), remove() }`; `place` sets the
 * distance in px from one horizontal and one vertical edge of the viewport, as `{ edgeX, x, edgeY, y }`.
 */
export function mountHost() {
  const host = document.createElement(HOST_TAG);
  // The EventLayer SDK leaves elements carrying this attribute out of its automatic click capture.
  host.setAttribute("data-eventlayer-ignore", "");
  for (const [name, value] of BASE_STYLE) setImportant(host, name, value);
  const shadow = host.attachShadow({ mode: "open" });
  let placement = null;
  let removed = false;
  let restores = [];

  function showOnTop() {
    if (!supportsPopover() || !host.isConnected) return;
    if (!host.hasAttribute("popover")) host.setAttribute("popover", "manual");
    try {
      if (!host.matches(":popover-open")) host.showPopover();
    } catch {
      // A page that blocks the top layer (or an older implementation) leaves the z-index fallback in force.
    }
  }

  function mount() {
    document.documentElement.appendChild(host);
    showOnTop();
  }

  function isLastInHtml() {
    let node = host.nextSibling;
    while (node && node.nodeType !== Node.ELEMENT_NODE) node = node.nextSibling;
    return host.parentNode === document.documentElement && !node;
  }

  function restore() {
    if (removed) return;
    const inTopLayer = supportsPopover() && host.isConnected && host.matches(":popover-open");
    if (inTopLayer && host.parentNode === document.documentElement) return;
    if (!inTopLayer && isLastInHtml()) return;
    const now = Date.now();
    restores = restores.filter((time) => now - time < 1000);
    if (restores.length >= MAX_RESTORES_PER_SECOND) return;
    restores.push(now);
    mount();
  }

  const observer = new MutationObserver(restore);
  observer.observe(document.documentElement, { childList: true });
  mount();

  return {
    host,
    shadow,
    place(next) {
      placement = next;
      setImportant(host, next.edgeX, `${Math.round(next.x)}px`);
      setImportant(host, next.edgeX === "left" ? "right" : "left", "auto");
      setImportant(host, next.edgeY, `${Math.round(next.y)}px`);
      setImportant(host, next.edgeY === "top" ? "bottom" : "top", "auto");
    },
    placement: () => placement,
    remove() {
      removed = true;
      observer.disconnect();
      host.remove();
    },
  };
}
