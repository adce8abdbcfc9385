// Describing DOM elements for autocapture without reading what users type.

/** Attribute that keeps an element and everything inside it out of autocapture. */
export const IGNORE_ATTRIBUTE = "data-eventlayer-ignore";
const IGNORE_SELECTOR = `[${IGNORE_ATTRIBUTE}],.eventlayer-ignore`;

// Elements whose clicks are worth recording; a click anywhere inside one is reported as a click on it.
const CLICKABLE_SELECTOR =
  "a,button,input,select,textarea,label,summary,[onclick]," +
  "[role=button],[role=link],[role=tab],[role=menuitem],[role=checkbox],[role=switch],[role=option]";

// Input types whose value is a label written by the page author, not by the user.
const LABEL_INPUT_TYPES = ["button", "submit", "reset"];

const MAX_TEXT = 255;

export const isIgnored = (element) => !!(element && element.closest && element.closest(IGNORE_SELECTOR));

/** Returns the element a click on `target` counts for, or null when it is not on anything clickable. */
export function clickableAncestor(target) {
  const element = target && target.nodeType === 3 ? target.parentElement : target;
  return element && element.closest ? element.closest(CLICKABLE_SELECTOR) : null;
}

/**
 * Returns the visible text of a clickable element, trimmed and with whitespace collapsed, or "" for elements
 * whose text may be user input (text fields, text areas, selects, contenteditable regions).
 */
export function elementText(element) {
  const tag = element.tagName.toLowerCase();
  if (tag === "input") return LABEL_INPUT_TYPES.includes(element.type) ? collapse(element.value) : "";
  if (tag === "textarea" || tag === "select" || element.isContentEditable) return "";
  return collapse(element.textContent || element.getAttribute("aria-label") || "");
}

const collapse = (text) => String(text).replace(/\s+/g, " ").trim().slice(0, MAX_TEXT);

function classList(element) {
  const value = element.getAttribute("class");
  return value ? value.trim().split(/\s+/).filter(Boolean).slice(0, 10) : [];
}

/** Builds a short CSS selector for the element: up to three levels, stopping at the nearest id. */
export function shortSelector(element) {
  const parts = [];
  for (let node = element; node && node.nodeType === 1 && parts.length < 3; node = node.parentElement) {
    const tag = node.tagName.toLowerCase();
    if (node.id) {
      parts.unshift(`${tag}#${CSS.escape(node.id)}`);
      break;
    }
    let part = tag + classList(node).slice(0, 2).map((name) => `.${CSS.escape(name)}`).join("");
    const siblings = node.parentElement ? Array.from(node.parentElement.children) : [];
    const sameTag = siblings.filter((child) => child.tagName === node.tagName);
    if (sameTag.length > 1) part += `:nth-of-type(${sameTag.indexOf(node) + 1})`;
    parts.unshift(part);
    if (tag === "body") break;
  }
  return parts.join(" > ");
}

/** Returns the properties of a click on `element`: tag, text, id, classes, selector and, for links, href. */
export function clickProperties(element) {
  const properties = {
    tag: element.tagName.toLowerCase(),
    text: elementText(element),
    selector: shortSelector(element),
  };
  if (element.id) properties.id = element.id;
  const classes = classList(element);
  if (classes.length) properties.classes = classes;
  if (element.href && typeof element.href === "string") properties.href = element.href;
  if (element.tagName === "INPUT") properties.type = element.type;
  if (element.getAttribute("name")) properties.name = element.getAttribute("name");
  return properties;
}

/** Returns the properties of a form submission: id, name, action, method and field names, never values. */
export function formProperties(form) {
  const fields = [];
  for (const field of form.querySelectorAll("input,select,textarea")) {
    const name = field.getAttribute("name") || field.id;
    if (name && !isIgnored(field) && !fields.includes(name)) fields.push(name);
  }
  const properties = { fields, method: (form.getAttribute("method") || "get").toLowerCase() };
  // form.action and form.id are shadowed by fields named "action" or "id", so read the attributes.
  const action = form.getAttribute("action");
  properties.action = new URL(action || "", location.href).href;
  if (form.getAttribute("id")) properties.form_id = form.getAttribute("id");
  if (form.getAttribute("name")) properties.form_name = form.getAttribute("name");
  return properties;
}
