// The live deliveries table: the newest page is polled every 2 s with the filters applied; older pages
// are appended on request and kept. j/k (or the arrow keys in the table) move between rows, Enter opens
// one. Which delivery is open, and opening one, belong to main.js (hooks).
import { ApiError, currentToken, listDeliveries } from "./api.js";
import { $, announce, el } from "./dom.js";
import { filterQuery, filtersActive, onFiltersChange } from "./filters.js";
import { assistantLabel } from "./format.js";
import { refreshAge, rowCells } from "./list-row.js";

const POLL_MS = 2000;
const PAGE_SIZE = 50;
const FILTER_DEBOUNCE_MS = 350;

const hooks = {
  /** The id of the delivery open in the detail view, or null: its row gets aria-current. */
  selectedId: () => null,
  /** A row was chosen (click or Enter). */
  onOpen: (_id) => {},
  /** The first page after sign-in or a filter change arrived, with this many rows. */
  onFirstLoad: (_count) => {},
  /** The table became empty with no filter set (a restart emptied the store): main.js unfolds the run form. */
  onEmpty: () => {},
  /** j/k moved to another row (main.js opens it when the detail is already open). */
  onMove: (_id) => {},
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
  /** The row j/k moves from when focus is elsewhere. */
  cursor: null,
  firstLoad: true,
  /** Whether the last render showed no delivery with no filter set (hooks.onEmpty fires on the change only). */
  empty: false,
  timer: undefined,
  /** Identifies the current polling loop (see stopPolling). */
  loop: 0,
  /** The generation whose first-page request is under way (-1: none), so polls never overlap. */
  inFlight: -1,
  /** Bumped when the filters change: answers to older queries are dropped. */
  generation: 0,
};

export function initList({ selectedId, onOpen, onFirstLoad, onEmpty, onMove, onTick }) {
  hooks.selectedId = selectedId;
  hooks.onEmpty = onEmpty;
  hooks.onFirstLoad = onFirstLoad;
  hooks.onOpen = onOpen;
  hooks.onMove = onMove;
  hooks.onTick = onTick;
  onFiltersChange(() => {
    resetList();
    startPolling();
  }, FILTER_DEBOUNCE_MS);
  $("load-older").addEventListener("click", () => void loadOlder());
  document.addEventListener("keydown", onKey);
  // Catch up at once when the tab comes back (polls are skipped while it is hidden).
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && currentToken() && !$("app").hidden) startPolling();
  });
}

/** j/k anywhere but in a text field; the arrow keys only inside the table (elsewhere they scroll). */
function onKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey || $("app").hidden) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  const inTable = target instanceof Node && $("list").contains(target);
  const step = event.key === "j" || (inTable && event.key === "ArrowDown") ? 1 : event.key === "k" || (inTable && event.key === "ArrowUp") ? -1 : 0;
  if (step === 0) return;
  event.preventDefault();
  moveCursor(step);
}

/** Moves focus to the next (1) or previous (-1) row, from the focused row, else the open one, else the top. */
function moveCursor(step) {
  const ids = [...list.rows.keys()];
  if (ids.length === 0) return;
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.closest("tr[data-id]")?.dataset.id : undefined;
  const from = focused ?? list.cursor ?? hooks.selectedId();
  const index = from == null ? -1 : ids.indexOf(from);
  const next = ids[index === -1 ? 0 : Math.min(ids.length - 1, Math.max(0, index + step))];
  if (next === undefined) return;
  list.cursor = next;
  const row = list.rows.get(next);
  row.button.focus();
  row.node.scrollIntoView({ block: "nearest" });
  if (next !== from) hooks.onMove(next);
}

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
    if (list.firstLoad) hooks.onFirstLoad(page.deliveries.length);
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

/** Updates the table in place: rows are keyed by id, so focus and scroll survive each poll. */
function render() {
  const items = [...list.head, ...list.older];
  const body = $("list");
  const wanted = new Set(items.map((item) => item.id));
  for (const [id, row] of list.rows) {
    if (!wanted.has(id)) {
      row.node.remove();
      list.rows.delete(id);
    }
  }
  // Map order is the table's order (moveCursor reads it): rebuilt in the items' order.
  const rows = new Map();
  const selected = hooks.selectedId();
  const now = Date.now();
  let previous = null;
  for (const item of items) {
    const signature = JSON.stringify(item);
    let row = list.rows.get(item.id);
    if (row === undefined) {
      const node = el("tr", { class: "delivery", dataset: { id: item.id, run: item.run_id } });
      // A click anywhere on the row opens it, as its button does.
      node.addEventListener("click", (event) => {
        if (!(event.target instanceof Element && event.target.closest("button, a"))) hooks.onOpen(item.id);
      });
      row = { node, button: null, signature: "" };
    }
    if (row.signature !== signature) {
      const hadFocus = row.button !== null && document.activeElement === row.button;
      row.node.replaceChildren(...rowCells(item, hooks.onOpen));
      row.button = row.node.querySelector("button.open");
      row.node.dataset.outcome = item.outcome;
      row.node.dataset.event = item.event;
      row.node.dataset.source = item.source ?? "";
      row.signature = signature;
      if (hadFocus) row.button.focus();
    } else {
      refreshAge(row.node, now);
    }
    row.node.setAttribute("aria-current", selected === item.id ? "true" : "false");
    rows.set(item.id, row);
    // Only misplaced rows move: moving a focused node would drop its focus.
    const expectedNext = previous === null ? body.firstChild : previous.nextSibling;
    if (expectedNext !== row.node) body.insertBefore(row.node, expectedNext);
    previous = row.node;
  }
  list.rows = rows;

  const empty = items.length === 0 && !filtersActive();
  if (empty && !list.empty) hooks.onEmpty();
  list.empty = empty;
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
  for (const [rowId, row] of list.rows) row.node.setAttribute("aria-current", rowId === id ? "true" : "false");
  if (id !== null) list.cursor = id;
}

/** Moves focus back to a delivery's row, when it is still listed. */
export function focusRow(id) {
  list.rows.get(id)?.button.focus();
}
