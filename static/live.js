// The live connection of a page (phone, projector, console): docs/protocol.md.
//
// One way in, two ways out: a websocket, or, where a school network blocks websockets,
// server-sent events down and posts up, with the same messages, receipts and fragments.
// A heartbeat keeps the connection state honest, and nothing typed is lost: every message
// stays in the tab's storage until its receipt comes, and drafts survive a reload.
(() => {
  "use strict";

  const root = document.querySelector("[data-live]");
  if (!root) return;
  const base = root.dataset.live;
  const query = `view=${encodeURIComponent(root.dataset.view)}&lang=${encodeURIComponent(root.dataset.lang)}`;
  const stored = `dv:${base}:${root.dataset.view}`;

  // Close codes that end the page's connection for good (docs/protocol.md).
  const ENDINGS = new Set([4400, 4403, 4404, 4423, 4429]);
  // Refusals that mean "the room moved on before this arrived".
  const CLOSED = new Set(["answering_closed", "answering_not_open", "session_ended", "not_grouping", "not_voting", "round_closed"]);
  const ASK_AFTER_MS = 3000;   // silence before the phone asks whether the server is there
  const LOST_AFTER_MS = 3000;  // no answer to that question: the connection is lost
  const STREAM_LOST_AFTER_MS = 8000;  // the stream pings every 3 s
  const OPEN_WITHIN_MS = 6000;  // a websocket that has not delivered by then has failed
  const FALLBACK_AFTER = 2;  // websockets that failed in a row, while plain HTTP works
  const FALLBACK_KEPT_MS = 30 * 60 * 1000;  // then the tab uses the fallback this long

  const storage = (() => {
    try { return window.sessionStorage; } catch (error) { return null; }
  })();
  function load(key, fallback) {
    try { return JSON.parse(storage.getItem(`${stored}:${key}`)) ?? fallback; } catch (error) { return fallback; }
  }
  function save(key, value) {
    try { storage.setItem(`${stored}:${key}`, JSON.stringify(value)); } catch (error) { /* private mode: memory only */ }
  }

  // Messages sent (or waiting) and not yet confirmed, by message id, in the order sent.
  // The server applies each id once, so sending one again after a reconnect or a reload
  // can never double an answer.
  const unconfirmed = new Map();
  const drafts = load("drafts", {});
  let kept = load("kept", []);

  let transport = "websocket";
  const fallback = load("fallback", null);
  if (fallback && Date.now() - fallback < FALLBACK_KEPT_MS) transport = "stream";

  let current = null;       // the open WebSocket or EventSource
  let streamName = "";      // the stream's name, for posts
  let state = "connecting"; // connecting | online | offline | ended
  let lastHeard = 0, askedAt = 0, failures = 0, attempt = 0, retryTimer = null;
  let receiving = Promise.resolve();

  // 128 random bits and nothing else: an id must never carry the device's clock.
  // crypto.getRandomValues works on plain http too (randomUUID needs a secure context).
  const newId = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  // What the page shows ----------------------------------------------------------------

  function setState(next, ending) {
    if (state === "ended") return;
    state = next;
    for (const el of document.querySelectorAll("#connection")) {
      el.dataset.state = next;
      el.textContent = next === "online" ? el.dataset.online
        : next === "ended" ? (el.dataset[`end${ending}`] || el.dataset.endOther)
        : next === "offline" ? el.dataset.offline : el.dataset.connecting || el.textContent;
    }
    document.body.classList.toggle("is-offline", next !== "online");
    document.body.classList.toggle("is-ended", next === "ended");
    document.body.dataset.transport = transport;
    refreshPending();
  }

  function pendingList() { return document.getElementById("pending"); }

  function showPending(entry) {
    const list = pendingList();
    if (!list || !entry.text) return;
    const item = document.createElement("li");
    item.dataset.msgId = entry.id;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = entry.text;
    const status = document.createElement("span");
    status.className = "state";
    item.append(text, status);
    list.append(item);
    entry.item = item;
    refreshPending();
  }

  function refreshPending() {
    const list = pendingList();
    if (!list) return;
    for (const entry of unconfirmed.values()) {
      if (entry.item) entry.item.querySelector(".state").textContent =
        state === "online" ? list.dataset.label : list.dataset.offline;
    }
  }

  // Answers the server refused after they were typed, when their box is gone (answering
  // closed while the phone was offline): kept on the page to copy, until dismissed.
  function showKept() {
    const box = document.getElementById("kept");
    if (!box) return;
    box.replaceChildren();
    box.hidden = kept.length === 0;
    for (const [index, item] of kept.entries()) {
      const entry = document.createElement("div");
      entry.className = "kept-item";
      const why = document.createElement("p");
      why.textContent = CLOSED.has(item.reason) ? box.dataset.whyClosed : `${box.dataset.whyOther} ${item.notice}`.trim();
      const text = document.createElement("textarea");
      text.readOnly = true;
      text.rows = 3;
      text.value = item.text;
      text.id = `kept-${index}`;
      text.setAttribute("aria-label", box.dataset.label);
      const row = document.createElement("div");
      row.className = "form-row";
      const copy = document.createElement("button");
      copy.type = "button";
      copy.dataset.copy = `#kept-${index}`;
      copy.dataset.copied = box.dataset.copied;
      copy.textContent = box.dataset.copyLabel;
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "quiet";
      dismiss.textContent = box.dataset.dismiss;
      dismiss.addEventListener("click", () => { kept.splice(index, 1); save("kept", kept); showKept(); });
      row.append(copy, dismiss);
      entry.append(why, text, row);
      box.append(entry);
    }
  }

  function keep(text, reason, notice) {
    if (kept.some((item) => item.text === text)) return;
    kept.push({ text, reason, notice });
    save("kept", kept);
    showKept();
  }

  // Drafts: what is typed in a box of a form that sends, until it is sent.
  function draftable(field) {
    return field instanceof HTMLTextAreaElement && field.id && field.form && field.form.hasAttribute("data-send");
  }

  function restoreDrafts(scope) {
    for (const [id, text] of Object.entries(drafts)) {
      const field = scope.querySelector ? scope.querySelector(`#${CSS.escape(id)}`) : null;
      if (field && draftable(field) && field.value === field.defaultValue && field.value !== text) field.value = text;
    }
  }

  document.addEventListener("input", (event) => {
    const field = event.target;
    if (!draftable(field)) return;
    if (field.value && field.value !== field.defaultValue) drafts[field.id] = field.value;
    else delete drafts[field.id];
    save("drafts", drafts);
  });

  // Sending ------------------------------------------------------------------------------

  function remember() {
    save("unsent", Array.from(unconfirmed.values(), ({ id, values, text }) => ({ id, values, text })));
  }

  function transmit(entry) {
    if (state !== "online" || !current) return;
    const data = JSON.stringify({ ...entry.values, msg_id: entry.id });
    if (current instanceof WebSocket) {
      if (current.readyState === WebSocket.OPEN) current.send(data);
      return;
    }
    const name = streamName;
    fetch(`${base}/send?${query}&stream=${encodeURIComponent(name)}`, {
      method: "POST",
      body: data,
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
    }).then((response) => {
      // 409: the stream ended before this arrived; it goes again once the stream is back.
      if (response.status === 409 && name === streamName) reconnectNow();
    }, () => { /* the network is gone: the stream notices, and everything goes again */ });
  }

  function flush() {
    for (const entry of unconfirmed.values()) transmit(entry);
  }

  function formValues(form, submitter) {
    const values = {};
    for (const [key, value] of new FormData(form, submitter)) {
      if (typeof value !== "string") continue;
      values[key] = key in values ? [].concat(values[key], value) : value;
    }
    return values;
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-send")) return;
    event.preventDefault();
    if (state === "ended") return;
    const values = formValues(form, event.submitter);
    const typed = String(values.text || "");
    const entry = { id: newId(), values, form, typed, text: values.action === "answer" ? typed.trim() : "" };
    unconfirmed.set(entry.id, entry);
    remember();
    showPending(entry);
    for (const field of form.querySelectorAll("textarea[id]")) delete drafts[field.id];
    save("drafts", drafts);
    if (form.hasAttribute("data-pending")) form.reset();
    const details = form.closest("details");
    if (details) details.open = false;
    transmit(entry);
  }, true);

  // Receiving ------------------------------------------------------------------------------

  // Receipts settle their messages. Returns the refused texts whose box is gone.
  function settle(html) {
    const homeless = [];
    if (html.indexOf("data-ack") < 0) return homeless;
    for (const match of html.matchAll(/data-ack="([^"]*)" data-status="([a-z]+)"(?: data-reason="([a-z_]*)")?/g)) {
      const entry = unconfirmed.get(match[1]);
      if (!entry) continue;
      unconfirmed.delete(match[1]);
      if (entry.item) entry.item.remove();
      if (match[2] === "ok" || !entry.typed) continue;
      // Refused text goes back into its box, so nothing typed is lost.
      let box = entry.form && entry.form.querySelector("[name=text]");
      // The form may have been drawn again since: then its box is the one with that id.
      if (box && !box.isConnected && box.id) box = document.getElementById(box.id);
      if (box && box.isConnected && !box.value) box.value = entry.typed;
      else if (!box || !box.isConnected || box.value !== entry.typed) homeless.push([entry.typed, match[3] || ""]);
    }
    remember();
    return homeless;
  }

  function receive(html) {
    receiving = receiving.then(async () => {
      const homeless = settle(html);
      await htmx.swap({
        sourceElement: root,
        target: root,
        swap: "innerHTML swapEmpty:false",
        text: html,
        transition: false,
      });
      restoreDrafts(root);
      // When answering closed meanwhile, the box is gone: the page keeps the text to copy,
      // with the server's reason, in this page's language.
      const notice = document.getElementById("notice");
      for (const [text, reason] of homeless) keep(text, reason, notice ? notice.textContent.trim() : "");
      document.dispatchEvent(new CustomEvent("live:received"));
    }).catch((error) => console.error(error));
  }

  // A group opened on the ballot: its answers come now, not with the ballot (toggle does
  // not bubble, hence the capture). A failed load says so and tries again on the next open.
  document.addEventListener("toggle", async (event) => {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.open) return;
    const key = details.dataset.answers;
    if (!key || details.dataset.loaded) return;
    details.dataset.loaded = "loading";
    const words = details.closest("[data-loading]")?.dataset || {};
    let status = details.querySelector(".ballot-answers-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "ballot-answers-status";
      status.setAttribute("role", "status");
      details.append(status);
    }
    status.textContent = words.loading || "";
    try {
      const response = await fetch(`${base}/ballot/${encodeURIComponent(key)}`, { cache: "no-store" });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const html = await response.text();
      status.remove();
      details.insertAdjacentHTML("beforeend", html);
      details.dataset.loaded = "yes";
    } catch (error) {
      delete details.dataset.loaded;
      status.textContent = words.failed || "";
    }
  }, true);

  function heard() {
    lastHeard = Date.now();
    askedAt = 0;
  }

  // Connecting ---------------------------------------------------------------------------

  function drop() {
    const old = current;
    current = null;
    streamName = "";
    if (!old) return;
    try { old.close(); } catch (error) { /* already closed */ }
  }

  function end(code) {
    drop();
    clearTimeout(retryTimer);
    setState("ended", code);
  }

  function online() {
    attempt = 0;
    failures = 0;
    heard();
    setState("online");
    flush();
  }

  function lost() {
    drop();
    if (state !== "ended") setState("offline");
    scheduleReconnect();
  }

  function scheduleReconnect() {
    clearTimeout(retryTimer);
    // Quick at first: a phone that lost Wi-Fi for a moment is back at once.
    const delay = Math.min(5000, 250 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
    attempt += 1;
    retryTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (state === "ended") return;
    drop();
    attempt = 0;
    clearTimeout(retryTimer);
    connect();
  }

  // A websocket that never delivered: blocked by the network, or is the network gone?
  // Only when plain HTTP works does the page move to the fallback.
  function socketFailed() {
    failures += 1;
    if (failures < FALLBACK_AFTER) return lost();
    fetch("/healthz", { cache: "no-store" }).then((response) => {
      if (response.ok && transport === "websocket") {
        transport = "stream";
        save("fallback", Date.now());
        reconnectNow();
      } else lost();
    }, lost);
  }

  function openSocket() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}${base}/ws?${query}`);
    current = socket;
    let delivered = false;
    const timer = setTimeout(() => {
      if (current === socket && !delivered) { drop(); socketFailed(); }
    }, OPEN_WITHIN_MS);
    socket.addEventListener("message", (event) => {
      if (current !== socket) return;
      heard();
      if (!delivered) { delivered = true; clearTimeout(timer); online(); }
      if (typeof event.data === "string") receive(event.data);
    });
    socket.addEventListener("close", (event) => {
      clearTimeout(timer);
      if (current !== socket) return;
      current = null;
      if (ENDINGS.has(event.code)) return end(event.code);
      if (!delivered) return socketFailed();
      lost();
    });
  }

  function openStream() {
    const source = new EventSource(`${base}/events?${query}`);
    current = source;
    source.addEventListener("hello", (event) => {
      if (current !== source) return;
      streamName = event.data;
      online();
    });
    source.addEventListener("message", (event) => {
      if (current !== source) return;
      heard();
      receive(event.data);
    });
    source.addEventListener("ping", () => { if (current === source) heard(); });
    source.addEventListener("end", (event) => { if (current === source) end(Number(event.data)); });
    source.addEventListener("error", () => {
      if (current !== source) return;
      // EventSource comes back by itself; what it had sent goes again after its hello.
      streamName = "";
      if (state === "online") setState("offline");
      if (source.readyState === EventSource.CLOSED) lost();
    });
  }

  function connect() {
    if (state === "ended") return;
    clearTimeout(retryTimer);
    if (current) return;
    if (state !== "offline") setState("connecting");
    document.body.dataset.transport = transport;
    if (transport === "stream") openStream();
    else openSocket();
  }

  // The heartbeat: "connected" is shown only while messages flow.
  setInterval(() => {
    if (state !== "online" || !current) return;
    const now = Date.now();
    if (current instanceof EventSource) {
      if (now - lastHeard > STREAM_LOST_AFTER_MS) lost();
      return;
    }
    if (askedAt && now - askedAt > LOST_AFTER_MS) return lost();
    if (!askedAt && now - lastHeard > ASK_AFTER_MS && current.readyState === WebSocket.OPEN) {
      askedAt = now;
      current.send("ping");
    }
  }, 1000);

  // Back on the network, or back in the tab: check at once instead of waiting.
  window.addEventListener("online", () => { if (state !== "online") reconnectNow(); });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden || state === "ended") return;
    if (state !== "online") reconnectNow();
    else if (current instanceof WebSocket && current.readyState === WebSocket.OPEN && !askedAt) {
      askedAt = Date.now();
      current.send("ping");
    }
  });
  window.addEventListener("pagehide", () => { if (current) current.close(); });

  // What this tab had not yet seen confirmed before a reload goes again (same ids).
  for (const { id, values, text } of load("unsent", [])) {
    const entry = { id, values, form: null, typed: String(values.text || ""), text };
    unconfirmed.set(id, entry);
    showPending(entry);
  }
  restoreDrafts(document);
  showKept();
  connect();
})();
