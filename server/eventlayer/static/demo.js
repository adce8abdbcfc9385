// The demo page's single-page app: three routes switched with history.pushState, and a panel that shows the
// SDK's status and acknowledgements as they arrive.
(() => {
  const view = document.getElementById("view");
  const statusBox = document.getElementById("status");
  const log = document.getElementById("log");
  const ROUTES = { "/": "home", "/pricing": "pricing", "/signup": "signup" };

  // Runs `method(...args)` on the SDK now, or queues the call until the SDK has loaded.
  const sdk = (method, ...args) => {
    if (Array.isArray(window.eventlayer)) window.eventlayer.push([method, ...args]);
    else window.eventlayer[method](...args);
  };

  function addLine(text, className) {
    const item = document.createElement("li");
    item.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
    if (className) item.className = className;
    log.prepend(item);
    while (log.children.length > 100) log.lastChild.remove();
  }

  function render() {
    const name = ROUTES[location.pathname] || "home";
    view.replaceChildren(document.getElementById(name).content.cloneNode(true));
    for (const link of document.querySelectorAll("nav a")) {
      if (link.dataset.route === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `${name[0].toUpperCase()}${name.slice(1)} · EventLayer demo shop`;
  }

  function navigate(path) {
    if (path === location.pathname) return;
    history.pushState({ path }, "", path);
    // Routers often replace the entry they just pushed, to store state; the SDK counts this as one page view.
    history.replaceState({ path, renderedAt: Date.now() }, "", path);
    render();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-route]");
    if (link) {
      event.preventDefault();
      navigate(new URL(link.href).pathname);
      return;
    }
    const button = event.target.closest("button");
    if (!button) return;
    if (button.id === "add-to-cart") sdk("track", "Add to cart", { product: "Blue mug", price: 12.5, currency: "EUR" });
    if (button.id === "track-custom") sdk("trackEvent", "custom", "Demo button", "42");
    if (button.id === "identify") sdk("identify", "demo-user", { plan: "team" });
    if (button.dataset.plan) sdk("register", { plan: button.dataset.plan });
  });

  document.addEventListener("submit", (event) => {
    event.preventDefault();
    event.target.reset();
    document.getElementById("signup-result").textContent = "Thanks! The submit event was sent, without the values you typed.";
  });

  window.addEventListener("popstate", render);

  sdk("on", "status", (status) => {
    const transport = status.transport === "http" ? " (HTTP fallback)" : "";
    statusBox.textContent = `Connection: ${status.connection}${transport} · queued ${status.queued} · dropped ${status.dropped}`;
  });
  sdk("on", "ack", (ack) => {
    addLine(`ack ${ack.transport}${ack.seq ? ` #${ack.seq}` : ""}: ${ack.accepted} stored, ${ack.duplicates} duplicates, ${ack.rejected} rejected`);
  });
  sdk("on", "rejected", (rejection) => addLine(`rejected ${rejection.event_id}: ${rejection.reason}`, "rejected"));

  render();
})();
