// The panel's shell: header with the connection dot, tabs for the three views, collapse to a badge, drag,
// and the remembered place, size state and tab (localStorage, per site).
import { h, setText } from "./dom.js";
import { clampPlacement, cornerPlacement, isPlacement, makeDraggable, viewportSize } from "./drag.js";
import { createStore } from "./store.js";
import { panelCss } from "./styles.js";

const STORAGE_KEY = "eventlayer-overlay:panel";
const TABS = [
  ["log", "Log"],
  ["live", "Live"],
  ["status", "Status"],
];

/**
 * Builds the panel into `mounted.shadow` (from mountHost). `views` maps "log", "live" and "status" to objects
 * with an `element`; `onClose()` runs when the user closes the overlay. Returns the panel's controls.
 */
export function createPanel({ mounted, options, views, onClose }) {
  const store = createStore("localStorage");
  const saved = store.getJSON(STORAGE_KEY) || {};
  let placement = isPlacement(saved.placement) ? saved.placement : cornerPlacement(options.position);
  let collapsed = typeof saved.collapsed === "boolean" ? saved.collapsed : options.collapsed;
  let current = views[saved.view] ? saved.view : options.view;
  let unseen = 0;

  const headerDot = h("span", { class: "dot", title: "connection" });
  const collapseButton = h("button", { class: "icon", type: "button", "aria-label": "Collapse the overlay", title: "Collapse", text: "–" });
  const closeButton = h("button", { class: "icon", type: "button", "aria-label": "Close the overlay", title: "Close", text: "×" });
  const header = h("div", { class: "header" }, headerDot, h("span", { class: "title", text: options.title }), collapseButton, closeButton);
  const tabButtons = {};
  const tabs = h("div", { class: "tabs", role: "tablist" });
  for (const [name, label] of TABS) {
    tabButtons[name] = h("button", { class: "tab", type: "button", role: "tab", "data-tab": name, text: label });
    tabButtons[name].addEventListener("click", () => select(name));
    tabs.appendChild(tabButtons[name]);
  }
  const panel = h("div", { class: "panel", role: "region", "aria-label": `${options.title} overlay` }, header, tabs, ...TABS.map(([name]) => views[name].element));
  const launcherDot = h("span", { class: "dot" });
  const unseenBadge = h("span", { class: "unseen" });
  const launcher = h("button", { class: "launcher", type: "button", "aria-label": `Open the ${options.title} overlay`, title: options.title }, "EL", launcherDot, unseenBadge);
  // The SDK's automatic click capture skips everything inside an element with this attribute.
  const root = h("div", { class: "root", "data-eventlayer-ignore": "" }, panel, launcher);
  const style = h("style", { text: panelCss(options) });
  mounted.shadow.appendChild(style);
  mounted.shadow.appendChild(root);

  // Keys typed into the panel's fields must not reach the page's keyboard shortcuts.
  for (const type of ["keydown", "keyup", "keypress"]) root.addEventListener(type, (keyEvent) => keyEvent.stopPropagation());

  function save() {
    store.setJSON(STORAGE_KEY, { placement, collapsed, view: current });
  }

  function size() {
    const rect = mounted.host.getBoundingClientRect();
    return { width: rect.width, height: rect.height };
  }

  function place(next, keep) {
    placement = clampPlacement(next, size(), viewportSize());
    mounted.place(placement);
    if (keep) save();
  }

  function select(name) {
    current = name;
    for (const [tab] of TABS) {
      tabButtons[tab].setAttribute("aria-selected", String(tab === name));
      tabButtons[tab].tabIndex = tab === name ? 0 : -1;
      views[tab].element.hidden = tab !== name;
    }
    if (name === "live" && !collapsed) markSeen();
    save();
  }

  function setCollapsed(value) {
    collapsed = value;
    panel.hidden = value;
    launcher.hidden = !value;
    if (!value && current === "live") markSeen();
    place(placement, true);
  }

  function markSeen() {
    unseen = 0;
    setText(unseenBadge, "");
    setText(tabButtons.live, "Live");
  }

  collapseButton.addEventListener("click", () => setCollapsed(true));
  closeButton.addEventListener("click", () => onClose());
  launcher.addEventListener("click", () => setCollapsed(false));
  const dragOptions = {
    getBox() {
      // DOMRect's fields are getters, which object spread does not copy.
      const { left, top, width, height } = mounted.host.getBoundingClientRect();
      return { left, top, width, height };
    },
    onMove: (next) => place(next, false),
    onEnd: (next) => place(next, true),
  };
  const undrag = [makeDraggable(header, dragOptions), makeDraggable(launcher, dragOptions)];
  const onResize = () => place(placement, false);
  window.addEventListener("resize", onResize);

  mounted.place(placement);
  select(current);
  setCollapsed(collapsed);

  return {
    select,
    setCollapsed,
    isCollapsed: () => collapsed,
    /** Shows the connection state on the header dot and the badge. */
    setState(state) {
      headerDot.className = `dot ${state}`;
      launcherDot.className = `dot ${state}`;
    },
    /** Counts live events that arrived while the Live view was not in sight. */
    addUnseen(count) {
      if (!collapsed && current === "live") return;
      unseen += count;
      const text = unseen > 99 ? "99+" : String(unseen);
      setText(unseenBadge, text);
      setText(tabButtons.live, `Live (${text})`);
    },
    destroy() {
      window.removeEventListener("resize", onResize);
      for (const remove of undrag) remove();
    },
  };
}
