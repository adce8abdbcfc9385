// The /live page: subscribes to the server's live feed with the read key and shows a streaming table of events.
// Plain script, no build step and no SDK: it speaks protocol version 1 with the msgpack codec in live-msgpack.js.
// Event data is always rendered with textContent, never as HTML.
(function () {
  "use strict";

  const MAX_ROWS = 500; // table rows kept; older rows are removed so the page stays fast
  const BACKFILL = 100; // stored events shown when a subscription starts
  const CHART_SECONDS = 300;
  const RECONNECT_DELAYS = [500, 1000, 2000, 5000, 10000];
  const KEY_STORAGE = "eventlayer.readKey";

  const { encode, decode } = window.eventlayerMsgpack;

  // Page elements and state.
  const $ = (id) => document.getElementById(id);
  const tbody = $("events").tBodies[0];
  const state = {
    socket: null,
    key: "",
    subscription: null, // id of the current subscription
    confirmed: null, // id of the last subscription the server confirmed with a subscribed frame
    subscriptionCount: 0,
    filter: {},
    paused: false,
    pending: [], // events received while paused, newest last
    pendingSkipped: 0,
    toRender: [],
    renderScheduled: false,
    reconnectAttempt: 0,
    reconnectTimer: 0,
    counts: new Array(CHART_SECONDS).fill(0), // live events per second, indexed by epoch second modulo CHART_SECONDS
    countedSecond: Math.floor(Date.now() / 1000),
  };
  // When the page received each event, shown for rejected events, which carry no received_at.
  const arrivals = new WeakMap();
  window.eventlayerLive = { encode, decode, state }; // for debugging in the console and for tests

  function setConnection(kind, text) {
    const element = $("connection");
    element.dataset.state = kind;
    element.textContent = text;
  }

  function notice(text) {
    $("notice").textContent = text;
  }

  // The read key: from the URL fragment (#key=...), then localStorage or sessionStorage, else the form.
  function takeKeyFromFragment() {
    const match = /(?:^#|&)key=([^&]*)/.exec(location.hash);
    if (!match) return "";
    const key = decodeURIComponent(match[1]);
    history.replaceState(null, "", location.pathname + location.search); // keep the key out of history and bookmarks
    sessionStorage.setItem(KEY_STORAGE, key);
    return key;
  }

  function storedKey() {
    return localStorage.getItem(KEY_STORAGE) || sessionStorage.getItem(KEY_STORAGE) || "";
  }

  function askForKey(message) {
    $("key-form").hidden = false;
    $("key-error").textContent = message || "";
    setConnection("key", "Read key needed");
    $("key").focus();
  }

  $("key-form").addEventListener("submit", (submitEvent) => {
    submitEvent.preventDefault();
    const key = $("key").value.trim();
    if (!key) return;
    localStorage.removeItem(KEY_STORAGE);
    sessionStorage.removeItem(KEY_STORAGE);
    ($("remember").checked ? localStorage : sessionStorage).setItem(KEY_STORAGE, key);
    $("key-form").hidden = true;
    state.key = key;
    connect();
  });

  $("change-key").addEventListener("click", () => {
    localStorage.removeItem(KEY_STORAGE);
    sessionStorage.removeItem(KEY_STORAGE);
    disconnect();
    $("key").value = "";
    askForKey("");
  });

  // The connection: hello, then a subscription with the current filter; reconnects after drops.
  function connect() {
    disconnect();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(scheme + "//" + location.host + "/ws");
    socket.binaryType = "arraybuffer";
    state.socket = socket;
    setConnection("connecting", "Connecting…");
    socket.onopen = () => send({ t: "hello", v: 1, key: state.key, sdk: "eventlayer-live/1", sent_at: Date.now() });
    socket.onmessage = (message) => {
      if (socket !== state.socket || !(message.data instanceof ArrayBuffer)) return;
      let frame;
      try {
        frame = decode(message.data);
      } catch (error) {
        notice("A frame from the server could not be decoded: " + error.message);
        return;
      }
      handleFrame(frame);
    };
    socket.onclose = (closeEvent) => {
      if (socket !== state.socket) return;
      state.socket = null;
      state.subscription = null;
      if (closeEvent.code === 1008) {
        askForKey("The server rejected the key (" + (closeEvent.reason || "policy violation") + "). Enter the project's read key.");
        return;
      }
      const delay = RECONNECT_DELAYS[Math.min(state.reconnectAttempt, RECONNECT_DELAYS.length - 1)];
      state.reconnectAttempt += 1;
      setConnection("reconnecting", "Disconnected; reconnecting in " + delay / 1000 + " s");
      state.reconnectTimer = setTimeout(connect, delay);
    };
  }

  function disconnect() {
    clearTimeout(state.reconnectTimer);
    if (state.socket) {
      const socket = state.socket;
      state.socket = null;
      socket.close(1000);
    }
    state.subscription = null;
    setConnection("offline", "Not connected");
  }

  function send(message) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(encode(message));
  }

  function subscribe() {
    if (state.subscription) send({ t: "unsubscribe", id: state.subscription });
    state.subscriptionCount += 1;
    state.subscription = "live-" + state.subscriptionCount;
    clearTable();
    send({ t: "subscribe", id: state.subscription, filter: state.filter, backfill: BACKFILL });
  }

  function handleFrame(frame) {
    switch (frame.t) {
      case "welcome":
        if (!Array.isArray(frame.can) || !frame.can.includes("live")) {
          disconnect();
          askForKey("This key cannot open live feeds: it is a write key. Enter the project's read key.");
          return;
        }
        subscribe();
        break;
      case "subscribed":
        if (frame.sub === state.subscription) {
          state.confirmed = frame.sub;
          state.reconnectAttempt = 0;
          setConnection("live", "Live");
        }
        break;
      case "live":
        if (frame.sub === state.subscription && Array.isArray(frame.events)) receive(frame.events, Boolean(frame.backfill));
        break;
      case "gap":
        if (frame.sub === state.subscription) notice(frame.dropped + " events were skipped because this page fell behind the feed.");
        break;
      case "presence":
        renderPresence(frame);
        break;
      case "error":
        notice("Server error " + frame.code + ": " + frame.message);
        break;
    }
  }

  // Filters: every input becomes part of the server-side filter, applied 300 ms after the last keystroke.
  let filterTimer = 0;
  $("filters").addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(applyFilter, 300);
  });
  $("filters").addEventListener("submit", (submitEvent) => {
    submitEvent.preventDefault();
    clearTimeout(filterTimer);
    applyFilter();
  });

  function readFilter() {
    const filter = {};
    const form = $("filters");
    for (const name of ["event_type", "event_name", "session_id", "distinct_id", "url", "status"]) {
      const value = form.elements[name].value.trim();
      if (value) filter[name] = value;
    }
    const properties = {};
    for (const part of form.elements.properties.value.split(",")) {
      const separator = part.indexOf("=");
      if (separator > 0) properties[part.slice(0, separator).trim()] = part.slice(separator + 1).trim();
    }
    if (Object.keys(properties).length) filter.properties = properties;
    return filter;
  }

  function applyFilter() {
    const filter = readFilter();
    if (JSON.stringify(filter) === JSON.stringify(state.filter)) return;
    state.filter = filter;
    notice("");
    if (state.socket && state.subscription) subscribe();
  }

  // Pause: events keep arriving and are counted, but the table does not change until resumed.
  $("pause").addEventListener("click", () => {
    state.paused = !state.paused;
    $("pause").setAttribute("aria-pressed", String(state.paused));
    if (!state.paused) {
      if (state.pendingSkipped) notice(state.pendingSkipped + " events received while paused are not shown; the newest " + MAX_ROWS + " are.");
      queueRender(state.pending);
      state.pending = [];
      state.pendingSkipped = 0;
    }
    updatePauseButton();
  });

  function updatePauseButton() {
    $("pause").textContent = state.paused ? "Resume (" + (state.pending.length + state.pendingSkipped) + " new)" : "Pause";
  }

  function receive(events, backfill) {
    const now = Date.now();
    for (const event of events) arrivals.set(event, now);
    if (!backfill) countEvents(events.length);
    if (state.paused) {
      state.pending.push(...events);
      if (state.pending.length > MAX_ROWS) {
        state.pendingSkipped += state.pending.length - MAX_ROWS;
        state.pending.splice(0, state.pending.length - MAX_ROWS);
      }
      updatePauseButton();
      return;
    }
    queueRender(events);
  }

  // The table: newest first, rendered once per animation frame, capped at MAX_ROWS.
  function queueRender(events) {
    state.toRender.push(...events);
    if (state.toRender.length > MAX_ROWS) state.toRender.splice(0, state.toRender.length - MAX_ROWS);
    if (!state.renderScheduled) {
      state.renderScheduled = true;
      requestAnimationFrame(render);
    }
  }

  function render() {
    state.renderScheduled = false;
    const fragment = document.createDocumentFragment();
    for (let i = state.toRender.length - 1; i >= 0; i--) fragment.appendChild(eventRow(state.toRender[i]));
    state.toRender = [];
    tbody.insertBefore(fragment, tbody.firstChild);
    let rows = tbody.querySelectorAll("tr.event");
    for (let i = rows.length - 1; i >= MAX_ROWS; i--) {
      const details = rows[i].nextElementSibling;
      if (details && details.classList.contains("details")) details.remove();
      rows[i].remove();
    }
  }

  function clearTable() {
    tbody.replaceChildren();
    state.toRender = [];
    state.pending = [];
    state.pendingSkipped = 0;
    updatePauseButton();
  }

  function formatTime(ms) {
    if (typeof ms !== "number") return "";
    const date = new Date(ms);
    const pad = (number, size = 2) => String(number).padStart(size, "0");
    return pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) + "." + pad(date.getMilliseconds(), 3);
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (className) td.className = className;
    return td;
  }

  function eventRow(event) {
    const row = document.createElement("tr");
    const status = event.status || "accepted";
    row.className = "event " + status;
    row.dataset.eventId = event.event_id || "";
    row.tabIndex = 0;
    row.append(cell(formatTime(event.received_at || arrivals.get(event)), "time"), cell(status, "status"), cell(event.event_type));
    if (status === "rejected") {
      const reason = cell(event.reason, "reason");
      reason.colSpan = 2; // a rejected event has no name or value, only the reason
      reason.title = event.reason || "";
      row.append(reason);
    } else {
      row.append(cell(event.event_name, "name"), cell(event.event_value));
    }
    row.append(
      cell(event.session_id),
      cell(event.distinct_id),
      cell(event.url, "url"),
    );
    row.addEventListener("click", () => toggleDetails(row, event));
    row.addEventListener("keydown", (keyEvent) => { if (keyEvent.key === "Enter") toggleDetails(row, event); });
    return row;
  }

  function toggleDetails(row, event) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("details")) {
      next.remove();
      row.classList.remove("open");
      return;
    }
    const details = document.createElement("tr");
    details.className = "details";
    const td = document.createElement("td");
    td.colSpan = 8;
    const list = document.createElement("dl");
    for (const [name, value] of Object.entries(event)) {
      const term = document.createElement("dt");
      term.textContent = name;
      const description = document.createElement("dd");
      description.textContent = describeField(name, value);
      list.append(term, description);
    }
    td.appendChild(list);
    details.appendChild(td);
    row.after(details);
    row.classList.add("open");
  }

  function describeField(name, value) {
    if (name === "properties" && typeof value === "string") {
      try { return JSON.stringify(JSON.parse(value), null, 2); } catch (error) { return value; }
    }
    if (typeof value === "number" && /(time|_at)$/.test(name)) return value + "  (" + new Date(value).toISOString() + ")";
    if (value === null || value === undefined) return "null";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  // Events per second, with a bar chart of the last CHART_SECONDS seconds.
  function countEvents(count) {
    advanceClock();
    state.counts[state.countedSecond % CHART_SECONDS] += count;
  }

  function advanceClock() {
    const now = Math.floor(Date.now() / 1000);
    for (let second = state.countedSecond + 1; second <= now && second - state.countedSecond <= CHART_SECONDS; second++) state.counts[second % CHART_SECONDS] = 0;
    state.countedSecond = Math.max(state.countedSecond, now);
  }

  function drawChart() {
    advanceClock();
    const canvas = $("chart");
    const context = canvas.getContext("2d");
    const now = state.countedSecond;
    const values = [];
    for (let age = CHART_SECONDS - 1; age >= 0; age--) values.push(state.counts[(now - age + CHART_SECONDS) % CHART_SECONDS]);
    $("rate").textContent = String(values[values.length - 2] || 0); // the last complete second
    const highest = Math.max(1, ...values);
    const width = canvas.width / CHART_SECONDS;
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = "#2f6fed";
    values.forEach((value, index) => {
      const height = Math.round((value / highest) * (canvas.height - 2));
      if (height > 0) context.fillRect(index * width, canvas.height - height, Math.max(1, width), height);
    });
  }
  setInterval(drawChart, 1000);

  // Presence: pages with SDK connections open now, busiest first.
  function renderPresence(frame) {
    $("presence-total").textContent = String(frame.total || 0);
    const items = (frame.pages || []).map((page) => {
      const item = document.createElement("li");
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = String(page.connections);
      const url = document.createElement("span");
      url.className = "url";
      url.textContent = page.url;
      item.append(count, url);
      return item;
    });
    $("pages").replaceChildren(...items);
  }

  state.key = takeKeyFromFragment() || storedKey();
  if (state.key) connect();
  else askForKey("");
})();
