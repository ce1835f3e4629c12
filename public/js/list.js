// The live delivery list: the newest page is polled every 2 s with the filters applied; older pages
// are appended on request and kept. Which delivery is open, and opening one, belong to main.js (hooks).
import { ApiError, currentToken, listDeliveries } from "./api.js";
import { $, announce, el } from "./dom.js";
import { assistantLabel, formatTime } from "./format.js";
import { rowContent, rowLabel } from "./list-row.js";

const POLL_MS = 2000;
const PAGE_SIZE = 50;
const FILTER_DEBOUNCE_MS = 350;

const hooks = {
  /** The id of the delivery open in the detail view, or null: its row gets aria-current. */
  selectedId: () => null,
  /** A row was clicked. */
  onOpen: (_id) => {},
  /** Runs after each poll of the list, before the next is scheduled (the open delivery refreshes). */
  onTick: async () => {},
};

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

export function initList({ selectedId, onOpen, onTick }) {
  hooks.selectedId = selectedId;
  hooks.onOpen = onOpen;
  hooks.onTick = onTick;
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
  // Catch up at once when the tab comes back (polls are skipped while it is hidden).
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && currentToken() && !$("app").hidden) startPolling();
  });
}

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

/** Empties the list and forgets what was seen, e.g. after the filters change or at sign-in. */
export function resetList() {
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

export function stopPolling() {
  clearTimeout(list.timer);
  list.timer = undefined;
  // A poll still awaiting its answer must not schedule the next one: that would start a second loop.
  list.loop += 1;
}

export function startPolling() {
  stopPolling();
  void poll(list.loop);
}

async function poll(loop) {
  if (!currentToken()) return;
  if (!document.hidden) {
    await refreshHead();
    await hooks.onTick();
  }
  if (loop === list.loop && currentToken() && !$("app").hidden) list.timer = setTimeout(() => void poll(loop), POLL_MS);
}

/** Loads the newest page now (also after a run starts or a replay ends). */
export async function refreshHead() {
  const generation = list.generation;
  if (list.inFlight === generation) return;
  list.inFlight = generation;
  try {
    const params = filterQuery();
    params.set("limit", String(PAGE_SIZE));
    const page = await listDeliveries(params);
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
    const page = await listDeliveries(params);
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
  const selected = hooks.selectedId();
  let previous = null;
  for (const item of items) {
    const signature = JSON.stringify([item, formatTime(item.received_at)]);
    let row = list.rows.get(item.id);
    if (row === undefined) {
      const button = el("button", {
        type: "button",
        class: "delivery",
        dataset: { id: item.id },
        on: { click: () => hooks.onOpen(item.id) },
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
    row.button.setAttribute("aria-current", selected === item.id ? "true" : "false");
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

/** Marks the row of the open delivery (aria-current); null marks none. */
export function markCurrent(id) {
  for (const row of list.rows.values()) row.button.setAttribute("aria-current", row.button.dataset.id === id ? "true" : "false");
}

/** Moves focus back to a delivery's row, when it is still listed. */
export function focusRow(id) {
  list.rows.get(id)?.button.focus();
}

let filterTimer;
function onFilterChange(delayMs) {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    resetList();
    startPolling();
  }, delayMs);
}
