// Dragging the panel by its header (or the collapsed badge), and where it sits. A placement is the distance
// in px from the nearest horizontal edge and the nearest vertical edge of the viewport. So a panel near the
// bottom-right corner stays there when the window is resized or the panel changes height.

export const EDGE_MARGIN = 16;
// A pointer that moves less than this between down and up is a click, not a drag.
const CLICK_SLOP_PX = 4;

/** Returns the placement of a corner name such as "bottom-right", `EDGE_MARGIN` px from both edges. */
export function cornerPlacement(corner) {
  const [vertical, horizontal] = corner.split("-");
  return { edgeX: horizontal, x: EDGE_MARGIN, edgeY: vertical, y: EDGE_MARGIN };
}

/** Returns the placement of a box at `left`/`top` of size `width` x `height`, measured from its nearest edges. */
export function placementOf(box, viewport) {
  const left = Math.min(Math.max(0, box.left), Math.max(0, viewport.width - box.width));
  const top = Math.min(Math.max(0, box.top), Math.max(0, viewport.height - box.height));
  const right = viewport.width - left - box.width;
  const bottom = viewport.height - top - box.height;
  // A box larger than the viewport is pinned to the top and left, which keeps the header, the drag handle, in view.
  const useRight = right < left && box.width <= viewport.width;
  const useBottom = bottom < top && box.height <= viewport.height;
  return {
    edgeX: useRight ? "right" : "left",
    x: Math.max(0, useRight ? right : left),
    edgeY: useBottom ? "bottom" : "top",
    y: Math.max(0, useBottom ? bottom : top),
  };
}

/** Returns the box of a placement for an element of the given size. */
export function boxOf(placement, size, viewport) {
  const left = placement.edgeX === "left" ? placement.x : viewport.width - placement.x - size.width;
  const top = placement.edgeY === "top" ? placement.y : viewport.height - placement.y - size.height;
  return { left, top, width: size.width, height: size.height };
}

/** Returns `placement` moved as little as needed for an element of `size` to be fully inside the viewport. */
export function clampPlacement(placement, size, viewport) {
  return placementOf(boxOf(placement, size, viewport), viewport);
}

/** Checks a stored placement, which a page or an older overlay may have written in another form. */
export function isPlacement(value) {
  return (
    !!value &&
    (value.edgeX === "left" || value.edgeX === "right") &&
    (value.edgeY === "top" || value.edgeY === "bottom") &&
    Number.isFinite(value.x) &&
    Number.isFinite(value.y)
  );
}

export const viewportSize = () => ({ width: document.documentElement.clientWidth || window.innerWidth, height: window.innerHeight });

/**
 * Makes `handle` drag the element whose box `getBox()` returns. `onMove(placement)` runs on each move and
 * `onEnd(placement)` once at the end of a drag. The click that ends a drag is swallowed, so a draggable
 * button does not also fire. Presses on other buttons and fields inside the handle are left alone. Returns
 * a function that removes the listeners.
 */
export function makeDraggable(handle, { getBox, onMove, onEnd }) {
  let start = null;
  let swallowClick = false;

  function down(event) {
    if (event.button !== 0) return;
    const control = event.target.closest("button,input,textarea,select,a");
    if (control && control !== handle) return;
    swallowClick = false;
    const box = getBox();
    start = { x: event.clientX, y: event.clientY, box, moved: false, pointer: event.pointerId };
    handle.setPointerCapture(event.pointerId);
  }

  function move(event) {
    if (!start || event.pointerId !== start.pointer) return;
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    if (!start.moved && Math.hypot(dx, dy) < CLICK_SLOP_PX) return;
    start.moved = true;
    handle.classList.add("dragging");
    onMove(placementOf({ ...start.box, left: start.box.left + dx, top: start.box.top + dy }, viewportSize()));
  }

  function up(event) {
    if (!start || event.pointerId !== start.pointer) return;
    const { moved, box, x, y } = start;
    start = null;
    handle.classList.remove("dragging");
    if (handle.hasPointerCapture(event.pointerId)) handle.releasePointerCapture(event.pointerId);
    if (!moved) return;
    swallowClick = true;
    onEnd(placementOf({ ...box, left: box.left + event.clientX - x, top: box.top + event.clientY - y }, viewportSize()));
  }

  function click(event) {
    if (!swallowClick) return;
    swallowClick = false;
    // Capture listeners on the target run before its other listeners, so this one can stop them.
    event.stopImmediatePropagation();
    event.preventDefault();
  }

  handle.addEventListener("pointerdown", down);
  handle.addEventListener("pointermove", move);
  handle.addEventListener("pointerup", up);
  handle.addEventListener("pointercancel", up);
  handle.addEventListener("click", click, true);
  return () => {
    handle.removeEventListener("pointerdown", down);
    handle.removeEventListener("pointermove", move);
    handle.removeEventListener("pointerup", up);
    handle.removeEventListener("pointercancel", up);
    handle.removeEventListener("click", click, true);
  };
}
