// The delivery inspector: a live list of what /api/webhook recorded, one delivery in full with its
// actions and their attempts, replay of what failed, and a form that starts runs through
// /api/trigger — so the whole loop can be driven from a browser.
//
// Plain JavaScript served as is (public/ is not built). Rules kept throughout:
// - The token lives in this tab's sessionStorage only and travels as `Authorization: Bearer`, never
//   in a URL (URLs end up in logs, history and Referer headers).
// - Everything from the server is inserted with textContent: no innerHTML anywhere.
// - Nothing is loaded from another origin.

const TOKEN_KEY = "langgraph-relay.trigger-token";
const POLL_MS = 2000;
const PAGE_SIZE = 50;
const FILTER_DEBOUNCE_MS = 350;
/** How much of a streamed event's data a line shows; the run's result has all of it. */
const STREAM_PREVIEW_CHARS = 400;

const $ = (id) => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`missing #${id}`);
  return element;
};

/** Builds an element; text is always set with textContent. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "on") for (const [type, handler] of Object.entries(value)) node.addEventListener(type, handler);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// Talking to the relay

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const session = {
  get token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) ?? "";
    } catch {
      return "";
    }
  },
  set token(value) {
    try {
      if (value === "") sessionStorage.removeItem(TOKEN_KEY);
      else sessionStorage.setItem(TOKEN_KEY, value);
    } catch {
      // Storage disabled: the token then lives only as long as this page.
    }
    memoryToken = value;
  },
};
let memoryToken = "";
const currentToken = () => session.token || memoryToken;

/** The pinned error shape, or a readable stand-in when the answer is not ours (a proxy, a crash). */
async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && typeof body.error === "object" && body.error !== null && typeof body.error.message === "string") {
      return new ApiError(response.status, String(body.error.code ?? "error"), body.error.message);
    }
  } catch {
    // not JSON
  }
  return new ApiError(response.status, "http_error", `The relay answered HTTP ${response.status}.`);
}

/** fetch with the token; 401 signs out (and throws), any other failure throws an ApiError. */
async function api(path, { method = "GET", body, signal, raw = false } = {}) {
  const headers = { authorization: `Bearer ${currentToken()}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      cache: "no-store",
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "Cannot reach the relay. Is the server still running?");
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401) signOut(`The relay refused the token: ${error.message} Enter the TRIGGER_TOKEN again.`);
    throw error;
  }
  return raw ? response : response.json();
}

const announce = (text) => {
  // Cleared first so that the same words twice are read twice.
  $("announcer").textContent = "";
  requestAnimationFrame(() => ($("announcer").textContent = text));
};

// ---------------------------------------------------------------------------------------------
// Formatting

function formatDuration(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? "—");
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return date.toDateString() === new Date().toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}

const OUTCOME_LABEL = {
  succeeded: "delivered",
  failed: "action failed",
  pending: "pending",
  no_route: "no route",
};

const STATE_LABEL = { succeeded: "succeeded", failed: "failed", pending: "pending" };

function eventBadge(event) {
  const bad = event === "run.error" || event === "run.timeout" || event === "run.rollback";
  const cls = `badge event${bad ? " bad" : event === "run.paused" ? " paused" : ""}`;
  return el("span", { class: cls, text: event });
}

const outcomeBadge = (outcome) =>
  el("span", { class: `badge ${outcome}`, dataset: { role: "outcome" }, text: OUTCOME_LABEL[outcome] ?? outcome });

/** The graph's name reads better than an assistant's UUID; the UUID gets its own line when they differ. */
const assistantLabel = (item) => item.graph_id ?? item.assistant_id;

// ---------------------------------------------------------------------------------------------
// Sign-in

function showLogin(message) {
  stopPolling();
  $("app").hidden = true;
  $("session").hidden = true;
  $("login").hidden = false;
  const error = $("token-error");
  error.textContent = message ?? "";
  error.hidden = !message;
  $("token").setAttribute("aria-invalid", message ? "true" : "false");
  $("token").focus();
}

function signOut(message) {
  session.token = "";
  abortStream();
  showLogin(message);
}

async function signIn(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  if (token === "") {
    showLogin("Enter the token first.");
    return;
  }
  session.token = token;
  const button = $("login-submit");
  button.disabled = true;
  try {
    // One cheap request proves the token before the page opens.
    await api("/api/deliveries?limit=1");
    $("token").value = "";
    openApp();
  } catch (error) {
    if (error instanceof ApiError && error.status !== 401) {
      session.token = "";
      showLogin(`${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`);
    }
  } finally {
    button.disabled = false;
  }
}

function openApp() {
  $("login").hidden = true;
  $("token-error").hidden = true;
  $("app").hidden = false;
  $("session").hidden = false;
  resetList();
  startPolling();
  $("main").focus();
}

// ---------------------------------------------------------------------------------------------
// The list: the newest page is polled; older pages are appended on request and kept.

const list = {
  /** Summaries of the polled first page, newest first. */
  head: [],
  /** Summaries loaded with "Load older", after the head. */
  older: [],
  /** Where "Load older" continues: the older pages' cursor, else the head's. */
  olderCursor: null,
  /** The signature of each rendered row, to touch only rows that changed. */
  rows: new Map(),
  seen: new Set(),
  firstLoad: true,
  timer: undefined,
  /** Identifies the current polling loop (see stopPolling). */
  loop: 0,
  /** The generation whose first-page request is under way (-1: none), so polls never overlap. */
  inFlight: -1,
  /** Bumped when the filters change: answers to older queries are dropped. */
  generation: 0,
};

function filterQuery() {
  const params = new URLSearchParams();
  const event = $("filter-event").value;
  const assistant = $("filter-assistant").value.trim();
  const thread = $("filter-thread").value.trim();
  if (event) params.set("event", event);
  if ($("filter-failed").checked) params.set("action_state", "failed");
  if (assistant) params.set("assistant_id", assistant);
  if (thread) params.set("thread_id", thread);
  return params;
}

const filtersActive = () => [...filterQuery().keys()].length > 0;

function resetList() {
  list.generation += 1;
  list.head = [];
  list.older = [];
  list.olderCursor = null;
  list.seen.clear();
  list.firstLoad = true;
  for (const row of list.rows.values()) row.node.remove();
  list.rows.clear();
  $("load-older").hidden = true;
  setListStatus("Loading…");
}

function setListStatus(text, isError = false) {
  const status = $("list-status");
  if (status.textContent !== text) status.textContent = text;
  status.classList.toggle("error", isError);
}

function stopPolling() {
  clearTimeout(list.timer);
  list.timer = undefined;
  // A poll still awaiting its answer must not schedule the next one: that would start a second loop.
  list.loop += 1;
}

function startPolling() {
  stopPolling();
  void poll(list.loop);
}

async function poll(loop) {
  if (!currentToken()) return;
  if (!document.hidden) {
    await refreshHead();
    if (detail.id !== null && !detail.busy) await refreshDetail();
  }
  if (loop === list.loop && currentToken() && !$("app").hidden) list.timer = setTimeout(() => void poll(loop), POLL_MS);
}

async function refreshHead() {
  const generation = list.generation;
  if (list.inFlight === generation) return;
  list.inFlight = generation;
  try {
    const params = filterQuery();
    params.set("limit", String(PAGE_SIZE));
    const page = await api(`/api/deliveries?${params}`);
    if (generation !== list.generation) return; // the filters changed meanwhile
    const fresh = page.deliveries.filter((item) => !list.seen.has(item.id));
    list.head = page.deliveries;
    if (list.older.length === 0) list.olderCursor = page.next_cursor;
    // Older rows that reached the head (or whose page moved) are shown once, in the head.
    const headIds = new Set(list.head.map((item) => item.id));
    list.older = list.older.filter((item) => !headIds.has(item.id));
    render();
    if (!list.firstLoad && fresh.length > 0) {
      announce(
        fresh.length === 1
          ? `New delivery: ${fresh[0].event} from ${assistantLabel(fresh[0])}.`
          : `${fresh.length} new deliveries.`,
      );
    }
    for (const item of page.deliveries) list.seen.add(item.id);
    list.firstLoad = false;
  } catch (error) {
    if (generation !== list.generation || !(error instanceof ApiError) || error.status === 401) return;
    const hint = error.status === 0 || error.status >= 500 ? " Retrying every 2 s." : "";
    setListStatus(`Could not load deliveries: ${error.message}${hint}`, true);
  } finally {
    if (list.inFlight === generation) list.inFlight = -1;
  }
}

async function loadOlder() {
  const cursor = list.olderCursor;
  if (cursor === null) return;
  const button = $("load-older");
  button.disabled = true;
  const generation = list.generation;
  try {
    const params = filterQuery();
    params.set("limit", String(PAGE_SIZE));
    params.set("cursor", cursor);
    const page = await api(`/api/deliveries?${params}`);
    if (generation !== list.generation) return;
    const shown = new Set([...list.head, ...list.older].map((item) => item.id));
    list.older.push(...page.deliveries.filter((item) => !shown.has(item.id)));
    list.olderCursor = page.next_cursor;
    for (const item of page.deliveries) list.seen.add(item.id);
    render();
    announce(`${page.deliveries.length} older deliveries loaded.`);
  } catch (error) {
    if (error instanceof ApiError && error.status !== 401) setListStatus(`Could not load older deliveries: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

function rowContent(item) {
  const actions = item.actions.length === 0
    ? el("span", { class: "meta", text: item.routing === "pending" ? "routing…" : "no action ran" })
    : el(
        "span",
        { class: "meta" },
        item.actions
          .map((action) => `${action.name} ${STATE_LABEL[action.state] ?? action.state} (${action.attempts} attempt${action.attempts === 1 ? "" : "s"})`)
          .join(" · "),
      );
  return [
    el(
      "span",
      { class: "line" },
      outcomeBadge(item.outcome),
      eventBadge(item.event),
      el("time", { class: "when", datetime: item.received_at, text: formatTime(item.received_at) }),
    ),
    el(
      "span",
      { class: "line" },
      el("span", { class: "who", text: assistantLabel(item) }),
      el("span", { class: "meta", text: `ran ${formatDuration(item.duration_ms)}` }),
      item.route ? el("span", { class: "meta", text: `route ${item.route}` }) : null,
    ),
    item.error ? el("span", { class: "line err", text: item.error }) : null,
    el("span", { class: "ids" }, `run ${item.run_id}`),
    el("span", { class: "ids" }, `thread ${item.thread_id}`),
    item.graph_id && item.graph_id !== item.assistant_id ? el("span", { class: "ids" }, `assistant ${item.assistant_id}`) : null,
    el("span", { class: "line" }, actions),
  ];
}

function rowLabel(item) {
  return `${OUTCOME_LABEL[item.outcome] ?? item.outcome}, ${item.event}, ${assistantLabel(item)}, ${formatTime(item.received_at)}`;
}

/** Updates the list in place: rows are keyed by id, so focus and scroll survive each poll. */
function render() {
  const items = [...list.head, ...list.older];
  const ul = $("list");
  const wanted = new Set(items.map((item) => item.id));
  for (const [id, row] of list.rows) {
    if (!wanted.has(id)) {
      row.node.remove();
      list.rows.delete(id);
    }
  }
  let previous = null;
  for (const item of items) {
    const signature = JSON.stringify([item, formatTime(item.received_at)]);
    let row = list.rows.get(item.id);
    if (row === undefined) {
      const button = el("button", {
        type: "button",
        class: "delivery",
        dataset: { id: item.id },
        on: { click: () => void openDetail(item.id) },
      });
      row = { node: el("li", { dataset: { id: item.id } }, button), button, signature: "" };
      list.rows.set(item.id, row);
    }
    if (row.signature !== signature) {
      row.button.replaceChildren(...rowContent(item).filter(Boolean));
      row.button.dataset.outcome = item.outcome;
      row.button.dataset.event = item.event;
      row.button.setAttribute("aria-label", rowLabel(item));
      row.signature = signature;
    }
    row.button.setAttribute("aria-current", detail.id === item.id ? "true" : "false");
    // Only misplaced rows move: moving a focused node would drop its focus.
    const expectedNext = previous === null ? ul.firstChild : previous.nextSibling;
    if (expectedNext !== row.node) ul.insertBefore(row.node, expectedNext);
    previous = row.node;
  }

  if (items.length === 0) {
    setListStatus(
      filtersActive()
        ? "No deliveries match these filters."
        : "No deliveries yet. Start a run above; its callback appears here when the run ends.",
    );
  } else {
    const more = list.olderCursor !== null ? " — more are older" : "";
    setListStatus(`${items.length} deliver${items.length === 1 ? "y" : "ies"} shown${more}.`);
  }
  $("load-older").hidden = list.olderCursor === null;
}

let filterTimer;
function onFilterChange(delayMs) {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    resetList();
    startPolling();
  }, delayMs);
}

// ---------------------------------------------------------------------------------------------
// One delivery

const detail = {
  id: null,
  /** Signature of what is rendered, so a poll redraws only on change (open JSON nodes stay open). */
  signature: "",
  /** The delivery whose payload tree is on screen: the payload never changes, so it is drawn once. */
  renderedId: null,
  busy: false,
  record: null,
  /**
   * Bumped by every request for the delivery: an answer that is no longer the latest is dropped, so a
   * poll that left before a replay cannot paint the old state over the replay's result.
   */
  seq: 0,
  /** What the last replay said ({id, text, error}); kept across redraws of the same delivery. */
  note: null,
};

async function openDetail(id) {
  detail.id = id;
  detail.signature = "";
  detail.renderedId = null;
  detail.record = null;
  detail.note = null;
  for (const row of list.rows.values()) row.button.setAttribute("aria-current", row.button.dataset.id === id ? "true" : "false");
  $("detail").hidden = false;
  $("detail-title").textContent = "Delivery";
  $("detail-body").replaceChildren(el("p", { role: "status", text: "Loading…" }));
  await refreshDetail();
  $("detail").scrollIntoView({ block: "nearest" });
  $("detail-title").focus();
}

function closeDetail() {
  const id = detail.id;
  detail.id = null;
  detail.record = null;
  $("detail").hidden = true;
  for (const row of list.rows.values()) row.button.setAttribute("aria-current", "false");
  const row = id === null ? undefined : list.rows.get(id);
  if (row !== undefined) row.button.focus();
}

async function refreshDetail() {
  const id = detail.id;
  if (id === null) return;
  const seq = ++detail.seq;
  try {
    const { delivery } = await api(`/api/deliveries?id=${encodeURIComponent(id)}`);
    if (detail.id === id && seq === detail.seq) showDelivery(delivery);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 401 || detail.id !== id || seq !== detail.seq) return;
    const message = error.status === 404 ? "This delivery is gone (expired, or the server restarted with the memory store)." : `Could not load the delivery: ${error.message}`;
    $("detail-body").replaceChildren(el("p", { class: "banner banner-error", role: "alert", text: message }));
    detail.signature = "";
    detail.renderedId = null;
  }
}

function showDelivery(delivery) {
  detail.record = delivery;
  const { payload, ...rest } = delivery;
  const signature = JSON.stringify(rest);
  if (signature === detail.signature) return;
  const samePayload = detail.renderedId === delivery.id;
  detail.signature = signature;
  detail.renderedId = delivery.id;
  // The id in a smaller monospace, so that on a phone it wraps whole onto its own line.
  $("detail-title").replaceChildren("Delivery ", el("span", { class: "delivery-id", text: delivery.id }));

  const body = $("detail-body");
  // Keep the payload's tree (and which nodes are open) when only the actions changed.
  const keptPayload = samePayload ? body.querySelector("[data-part=payload]") : null;
  const parts = [
    facts(delivery),
    delivery.payload && delivery.payload.error ? el("p", { class: "run-error", text: `Run error: ${runError(delivery.payload.error)}` }) : null,
    delivery.pause ? pauseInfo(delivery.pause) : null,
    actionsPart(delivery),
    keptPayload ?? payloadPart(payload),
  ];
  body.replaceChildren(...parts.filter(Boolean));
}

function runError(error) {
  if (typeof error === "string") return error;
  if (error && typeof error === "object") return error.message ?? error.error ?? JSON.stringify(error);
  return String(error);
}

function facts(delivery) {
  const rows = [
    ["Outcome", outcomeBadge(delivery.outcome)],
    ["Event", eventBadge(delivery.event)],
    ["Status", delivery.status],
    ["Received", formatTime(delivery.received_at)],
    ["Run started", delivery.payload?.run_started_at ? formatTime(delivery.payload.run_started_at) : "—"],
    ["Run ended", delivery.payload?.run_ended_at ? formatTime(delivery.payload.run_ended_at) : "—"],
    ["Duration", formatDuration(delivery.duration_ms)],
    ["Assistant", delivery.assistant_id],
    ["Graph", delivery.graph_id ?? "—"],
    ["Run", el("span", { class: "mono", text: delivery.run_id })],
    ["Thread", el("span", { class: "mono", text: delivery.thread_id })],
    ["Route", delivery.route ?? "(unnamed)"],
    ["Routing", delivery.routing],
  ];
  if (delivery.pause_check_error) rows.push(["Pause check", delivery.pause_check_error]);
  return el("dl", { class: "facts" }, rows.flatMap(([term, value]) => [el("dt", { text: term }), el("dd", {}, value)]));
}

function pauseInfo(pause) {
  return el(
    "div",
    {},
    el("h3", { text: "Waiting on a human" }),
    el("p", { text: `Next: ${pause.next.join(", ") || "—"}` }),
    el("pre", { class: "json", text: JSON.stringify(pause.interrupts, null, 2) }),
  );
}

function actionsPart(delivery) {
  const failed = delivery.actions.filter((action) => action.state === "failed");
  const head = el(
    "div",
    { class: "section-head" },
    el("h3", { text: `Actions (${delivery.actions.length})` }),
    failed.length > 0
      ? el("button", {
          type: "button",
          id: "replay-failed",
          text: failed.length === 1 ? "Replay failed action" : `Replay ${failed.length} failed actions`,
          on: { click: (event) => void replay(delivery.id, undefined, event.currentTarget) },
        })
      : null,
  );
  const note = detail.note !== null && detail.note.id === delivery.id ? detail.note : null;
  const status = el("p", {
    id: "replay-status",
    role: "status",
    "aria-live": "polite",
    class: note?.error ? "field-error" : null,
    text: note?.text ?? "",
  });
  if (delivery.actions.length === 0) {
    return el("div", { dataset: { part: "actions" } }, head, el("p", { class: "meta", text: delivery.routing === "pending" ? "Routing has not finished yet." : "No route handled this event: no action ran." }), status);
  }
  return el(
    "div",
    { dataset: { part: "actions" } },
    head,
    status,
    el("ol", { class: "action-list" }, delivery.actions.map((action) => actionItem(delivery, action))),
  );
}

function actionItem(delivery, action) {
  const canReplay = action.state !== "pending";
  return el(
    "li",
    { class: "action", dataset: { state: action.state, action: action.name } },
    el(
      "div",
      { class: "action-head" },
      el("span", { class: "name", text: action.name }),
      el("span", { class: "meta", text: action.type }),
      el("span", { class: `badge ${action.state}`, text: STATE_LABEL[action.state] ?? action.state }),
      canReplay
        ? el("button", {
            type: "button",
            class: action.state === "failed" ? "" : "secondary",
            dataset: { replay: action.name },
            "aria-label": `Replay ${action.name}`,
            text: "Replay",
            on: { click: (event) => void replay(delivery.id, action.name, event.currentTarget) },
          })
        : null,
    ),
    action.last_error ? el("p", { class: "last-error", text: action.last_error }) : null,
    el(
      "ol",
      { class: "attempts", "aria-label": `Attempts of ${action.name}` },
      action.attempts.map((attempt) =>
        el(
          "li",
          {},
          el("span", { class: attempt.ok ? "ok" : "ko", text: `#${attempt.number} ${attempt.ok ? "ok" : "failed"}` }),
          ` · ${formatTime(attempt.started_at)} · ${formatDuration(attempt.duration_ms)}`,
          attempt.http_status !== undefined ? ` · HTTP ${attempt.http_status}` : "",
          attempt.replay ? el("span", { class: "muted", text: " · replay" }) : null,
          attempt.error ? el("div", { class: "muted", text: attempt.error }) : null,
          attempt.result ? el("div", { class: "muted", text: JSON.stringify(attempt.result) }) : null,
        ),
      ),
    ),
  );
}

async function replay(id, actionName, button) {
  const query = new URLSearchParams({ id, replay: "1" });
  if (actionName !== undefined) query.set("action", actionName);
  const what = actionName ?? "the failed actions";
  detail.busy = true;
  // Any answer already on its way for this delivery is older than what the replay will return.
  const seq = ++detail.seq;
  for (const other of $("detail-body").querySelectorAll("button[data-replay], #replay-failed")) other.disabled = true;
  if (button) button.textContent = "Replaying…";
  const note = (text, error = false) => {
    detail.note = { id, text, error };
    const status = document.getElementById("replay-status");
    if (status !== null && detail.id === id) {
      status.textContent = text;
      status.classList.toggle("field-error", error);
    }
  };
  note(`Replaying ${what}…`);
  try {
    const answer = await api(`/api/deliveries?${query}`, { method: "POST" });
    const summary = answer.replayed.length === 0
      ? "Nothing to replay: no action had failed."
      : answer.replayed.map((action) => `${action.name} ${STATE_LABEL[action.state] ?? action.state}`).join(", ");
    detail.note = { id, text: `Replay done: ${summary}.`, error: false };
    if (detail.id === id && seq === detail.seq) {
      detail.signature = "";
      showDelivery(answer.delivery);
      // Focus stays in the panel: on the first failed action's button, else the heading.
      const next = $("detail-body").querySelector("[data-state=failed] button[data-replay]");
      (next ?? $("detail-title")).focus();
    }
    announce(`Replay done: ${summary}.`);
    void refreshHead();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 401) return;
    detail.note = { id, text: `Replay failed: ${error.message}`, error: true };
    if (detail.record !== null && detail.id === id) {
      detail.signature = "";
      showDelivery(detail.record);
    }
  } finally {
    detail.busy = false;
  }
}

// Payload: a collapsible tree (objects and arrays are <details>), plus the raw JSON.
function payloadPart(payload) {
  return el(
    "div",
    { dataset: { part: "payload" } },
    el("h3", { text: "Payload (redacted)" }),
    el("details", { class: "payload", open: true }, el("summary", { text: "Tree" }), el("ul", { class: "json-tree" }, jsonNode(null, payload, 0))),
    el("details", { class: "raw" }, el("summary", { text: "Raw JSON" }), el("pre", { class: "json", dataset: { part: "raw-payload" }, text: JSON.stringify(payload, null, 2) })),
  );
}

function jsonNode(key, value, depth) {
  const label = key === null ? null : el("span", { class: "k", text: `${key}: ` });
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
    const shape = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
    if (entries.length === 0) return el("li", {}, label, el("span", { class: "sum", text: Array.isArray(value) ? "[]" : "{}" }));
    return el(
      "li",
      {},
      el(
        "details",
        { open: depth < 1 },
        el("summary", {}, label ?? el("span", { class: "k", text: "payload " }), el("span", { class: "sum", text: shape })),
        el("ul", {}, entries.map(([childKey, child]) => jsonNode(childKey, child, depth + 1))),
      ),
    );
  }
  const cls = typeof value === "string" ? "s" : typeof value === "number" ? "n" : typeof value === "boolean" ? "b" : "z";
  return el("li", {}, label, el("span", { class: cls, text: JSON.stringify(value) }));
}

// ---------------------------------------------------------------------------------------------
// Start a run

let streamController = null;

function abortStream() {
  if (streamController !== null) streamController.abort();
  streamController = null;
}

function runStatus(text, isError = false) {
  $("run-output").hidden = false;
  const status = $("run-status");
  status.textContent = text;
  status.classList.toggle("field-error", isError);
}

function readRunForm() {
  const form = $("run-form");
  const data = new FormData(form);
  const inputField = $("run-input");
  const inputError = $("run-input-error");
  inputField.removeAttribute("aria-invalid");
  inputError.hidden = true;
  const assistant = String(data.get("assistant_id") ?? "").trim();
  if (assistant === "") {
    $("run-assistant").setAttribute("aria-invalid", "true");
    $("run-assistant").focus();
    runStatus("Enter an assistant id or a graph id (e.g. agent).", true);
    return null;
  }
  $("run-assistant").removeAttribute("aria-invalid");
  const body = { assistant_id: assistant, mode: String(data.get("mode") ?? "create") };
  const text = String(data.get("input") ?? "").trim();
  if (text !== "") {
    let input;
    try {
      input = JSON.parse(text);
    } catch (error) {
      inputError.textContent = `The input is not valid JSON: ${error instanceof Error ? error.message : "parse error"}.`;
      inputError.hidden = false;
      inputField.setAttribute("aria-invalid", "true");
      inputField.focus();
      return null;
    }
    if (input !== null && (typeof input !== "object" || Array.isArray(input))) {
      inputError.textContent = "The input must be a JSON object, e.g. {\"messages\": […]}.";
      inputError.hidden = false;
      inputField.setAttribute("aria-invalid", "true");
      inputField.focus();
      return null;
    }
    body.input = input;
  }
  const thread = String(data.get("thread") ?? "none");
  if (thread === "new") body.thread_id = "new";
  if (thread === "id") {
    const id = $("run-thread-id").value.trim();
    if (id === "") {
      $("run-thread-id").setAttribute("aria-invalid", "true");
      $("run-thread-id").focus();
      runStatus("Enter the thread's id, or choose none or new.", true);
      return null;
    }
    $("run-thread-id").removeAttribute("aria-invalid");
    body.thread_id = id;
  }
  return body;
}

async function startRun(event) {
  event.preventDefault();
  const body = readRunForm();
  if (body === null) return;
  abortStream();
  const submit = $("run-submit");
  submit.disabled = true;
  $("run-result").hidden = true;
  $("stream-events").hidden = true;
  $("stream-events").replaceChildren();
  runStatus(body.mode === "create" ? "Starting the run…" : body.mode === "wait" ? "Running; waiting for its result…" : "Starting the stream…");
  try {
    if (body.mode === "stream") {
      await streamRun(body);
    } else {
      const answer = await api("/api/trigger", { method: "POST", body });
      $("run-result").textContent = JSON.stringify(answer, null, 2);
      $("run-result").hidden = false;
      runStatus(
        body.mode === "create"
          ? `Run ${answer.run_id} started (${answer.status ?? "pending"}). Its callback appears in the list when it ends.`
          : `Run ${answer.run_id} finished. Its callback appears in the list in a moment.`,
      );
    }
    void refreshHead();
  } catch (error) {
    if (error && error.name === "AbortError") runStatus("Streaming stopped here; the run goes on and its callback will still arrive.");
    else if (error instanceof ApiError && error.status !== 401) runStatus(`The run was not started: ${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`, true);
  } finally {
    submit.disabled = false;
    $("run-stop").hidden = true;
    streamController = null;
  }
}

/** POSTs a stream-mode trigger and shows each server-sent event as it arrives. */
async function streamRun(body) {
  streamController = new AbortController();
  $("run-stop").hidden = false;
  const response = await api("/api/trigger", { method: "POST", body, signal: streamController.signal, raw: true });
  const events = $("stream-events");
  events.hidden = false;
  let count = 0;
  let runId = response.headers.get("x-run-id");
  runStatus(`Streaming${runId ? ` run ${runId}` : ""}…`);
  for await (const message of sseMessages(response.body)) {
    count += 1;
    let data = message.data;
    try {
      data = JSON.stringify(JSON.parse(message.data));
    } catch {
      // shown as sent
    }
    if (!runId && message.event === "metadata") {
      try {
        runId = JSON.parse(message.data).run_id ?? null;
      } catch {
        // not JSON
      }
    }
    const preview = data.length > STREAM_PREVIEW_CHARS ? `${data.slice(0, STREAM_PREVIEW_CHARS)}…` : data;
    events.append(el("li", { dataset: { event: message.event } }, el("span", { class: "ev", text: message.event }), el("code", { text: preview })));
    events.scrollTop = events.scrollHeight;
    runStatus(`Streaming${runId ? ` run ${runId}` : ""}… ${count} event${count === 1 ? "" : "s"} so far.`);
  }
  runStatus(`Stream ended after ${count} event${count === 1 ? "" : "s"}. The run's callback appears in the list in a moment.`);
}

/**
 * Parses a text/event-stream body into {event, data, id} messages as the bytes arrive: messages end
 * at a blank line; `data:` lines join with "\n"; comment lines (": keep-alive") are skipped.
 */
async function* sseMessages(stream) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.search(/\r\n\r\n|\n\n|\r\r/)) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^(\r\n\r\n|\n\n|\r\r)/, "");
        const message = parseSseBlock(block);
        if (message !== null) yield message;
      }
    }
    const last = parseSseBlock(buffer);
    if (last !== null) yield last;
  } finally {
    reader.releaseLock();
  }
}

function parseSseBlock(block) {
  let event = "message";
  let id;
  const data = [];
  let any = false;
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
    else continue;
    any = true;
  }
  return any ? { event, data: data.join("\n"), id } : null;
}

// ---------------------------------------------------------------------------------------------
// Wiring

function init() {
  $("login-form").addEventListener("submit", (event) => void signIn(event));
  $("change-token").addEventListener("click", () => signOut());
  $("run-form").addEventListener("submit", (event) => void startRun(event));
  $("run-stop").addEventListener("click", () => abortStream());
  for (const radio of document.querySelectorAll("input[name=thread]")) {
    radio.addEventListener("change", () => {
      const byId = document.querySelector("input[name=thread]:checked")?.value === "id";
      $("run-thread-id").disabled = !byId;
      if (byId) $("run-thread-id").focus();
    });
  }
  $("filter-event").addEventListener("change", () => onFilterChange(0));
  $("filter-failed").addEventListener("change", () => onFilterChange(0));
  $("filter-assistant").addEventListener("input", () => onFilterChange(FILTER_DEBOUNCE_MS));
  $("filter-thread").addEventListener("input", () => onFilterChange(FILTER_DEBOUNCE_MS));
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    onFilterChange(0);
  });
  // The reset clears the fields after this event: refresh once they are empty.
  $("filters").addEventListener("reset", () => setTimeout(() => onFilterChange(0), 0));
  $("load-older").addEventListener("click", () => void loadOlder());
  $("detail-close").addEventListener("click", () => closeDetail());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && detail.id !== null && $("detail").contains(document.activeElement)) closeDetail();
  });
  // Catch up at once when the tab comes back (polls are skipped while it is hidden).
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && currentToken() && !$("app").hidden) startPolling();
  });

  if (currentToken()) openApp();
  else showLogin();
}

init();
