// Element building for the panel. Everything here sets text with `textContent` and attributes with
// `setAttribute`, never HTML, so event data shown in the panel cannot become markup or script.

/**
 * Creates an element. `attributes` may hold `class`, `text` (set as textContent), `on` (event name to
 * handler) and any other attribute; `children` are nodes, strings (as text nodes) or null (skipped).
 */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") element.textContent = String(value);
    else if (name === "on") for (const [type, handler] of Object.entries(value)) element.addEventListener(type, handler);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** Appends nodes and strings (as text nodes) to `parent`, skipping null and false. */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return parent;
}

/** Replaces the children of `parent` with `children`. */
export function replaceChildren(parent, ...children) {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  return append(parent, children);
}

/** Sets the text of `element` only when it changed, so that selections and screen readers are not disturbed. */
export function setText(element, text) {
  const value = String(text);
  if (element.textContent !== value) element.textContent = value;
}
