// The filter bar's values as /api/deliveries query parameters: read by the list (what to show) and by
// the redrive control (which dead actions to schedule again). No state and no requests here.
import { $ } from "./dom.js";

/** "Since" choices, in ms before now; "" means any time. */
const SINCE_MS = { "15m": 15 * 60_000, "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 };

/** The ISO time the "Since" choice stands for, or null for any time. */
export function sinceIso(now = Date.now()) {
  const ms = SINCE_MS[$("filter-since").value];
  return ms === undefined ? null : new Date(now - ms).toISOString();
}

/** Every filter that is set, as query parameters for GET /api/deliveries. */
export function filterQuery() {
  const params = new URLSearchParams();
  const event = $("filter-event").value;
  const assistant = $("filter-assistant").value.trim();
  const thread = $("filter-thread").value.trim();
  const route = $("filter-route").value.trim();
  const since = sinceIso();
  if (event) params.set("event", event);
  if ($("filter-failed").checked) params.set("action_state", "failed");
  if (assistant) params.set("assistant_id", assistant);
  if (thread) params.set("thread_id", thread);
  if (route) params.set("route", route);
  if (since !== null) params.set("since", since);
  return params;
}

export const filtersActive = () => [...filterQuery().keys()].length > 0;

/** What a redrive schedules again: every dead action, narrowed by the route, event and since filters set. */
export function redriveQuery() {
  const params = new URLSearchParams({ replay: "1", action_state: "failed" });
  const route = $("filter-route").value.trim();
  const event = $("filter-event").value;
  const since = sinceIso();
  if (route) params.set("route", route);
  if (event) params.set("event", event);
  if (since !== null) params.set("since", since);
  return params;
}

/** Calls back when any filter changes: at once for choices, after a pause for typing. */
export function onFiltersChange(callback, debounceMs) {
  let timer;
  const later = (delayMs) => {
    clearTimeout(timer);
    timer = setTimeout(callback, delayMs);
  };
  for (const id of ["filter-event", "filter-failed", "filter-since"]) $(id).addEventListener("change", () => later(0));
  for (const id of ["filter-assistant", "filter-thread", "filter-route"]) $(id).addEventListener("input", () => later(debounceMs));
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    later(0);
  });
  // The reset clears the fields after this event: refresh once they are empty.
  $("filters").addEventListener("reset", () => later(0));
}
