// The read-key form of the Live view. The key typed here is kept in memory and in the page's sessionStorage,
// so it lasts for this tab and this site only. The overlay never writes it into the DOM or an attribute, and
// it empties the field as soon as it takes the key.
import { h, setText } from "./dom.js";

/** Creates the form; `readKey` has `set(key)`, `inUse()` and `rejection()`. The Status view offers `forget()`. */
export function createReadKeyForm(readKey) {
  const input = h("input", { class: "text", type: "password", name: "read_key", autocomplete: "off", spellcheck: "false", "aria-label": "Read key" });
  const useButton = h("button", { class: "button", type: "submit", text: "Use key" });
  const message = h("p", { class: "note" });
  const error = h("span", { class: "error", role: "alert" });
  const form = h(
    "form",
    { novalidate: true },
    h("p", { class: "note", text: "Live needs the project's read key. The write key this overlay was started with can log events but not watch them." }),
    h("label", { class: "field" }, h("span", { class: "label", text: "Read key" }), input, error),
    h("div", { class: "row-buttons" }, useButton),
    h("p", { class: "note", text: "The key is kept in this tab's sessionStorage for this site. Scripts of this page can read it, so enter it only on pages you trust." }),
  );
  const element = h("div", {}, message, form);

  form.addEventListener("submit", (submitEvent) => {
    submitEvent.preventDefault();
    const key = input.value.trim();
    input.value = "";
    if (!key) {
      setText(error, "Enter the read key. The server prints it when it starts (eventlayer serve).");
      return;
    }
    setText(error, "");
    readKey.set(key);
  });

  return {
    element,
    /** Shows the form when the connection cannot watch live (`live` false), and the key's state otherwise. */
    update({ live, state }) {
      form.hidden = live || readKey.inUse();
      let text = readKey.rejection();
      if (!text && readKey.inUse() && !live) text = state === "ready" ? "" : "Connecting with the read key…";
      setText(message, text);
      message.className = readKey.rejection() ? "note warn" : "note";
      message.hidden = !text;
    },
  };
}
