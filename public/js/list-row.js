// One row of the deliveries table, built from a summary: what became of the delivery (its own column),
// the run's event (its own column: a red run.error never sits beside a green "delivered" unexplained),
// the graph, the run, the age and what the actions came to. No state and no requests here.
import { el } from "./dom.js";
import {
  actionStateLabel,
  assistantLabel,
  deliveryLabel,
  deliveryState,
  eventBadge,
  formatAge,
  formatTime,
  outcomeBadge,
  sourceBadge,
  verdictStandsOut,
  verdictText,
} from "./format.js";

export const COLUMNS = ["Status", "Event", "Graph", "Run", "Age", "Actions"];

/** The cells of a row; the Run cell holds the button that opens the delivery (keyboard and screen readers). */
export function rowCells(item, onOpen) {
  const state = deliveryState(item);
  // With no route, a dash: a grey "no route" on every row of an empty routes file is noise.
  const status = state === "no_route"
    ? el("span", { class: "none", dataset: { role: "outcome", state }, title: "No route handled this event" }, "—", el("span", { class: "visually-hidden", text: " no route" }))
    : outcomeBadge(item);
  const event = eventBadge(item.event);
  if (item.error) event.title = item.error;
  return [
    el("td", { class: "c-status" }, status),
    el("td", { class: "c-event" }, event, item.source === "reconciled" ? [" ", sourceBadge(item.source)] : null),
    el("td", { class: "c-graph", title: item.assistant_id, text: assistantLabel(item) }),
    el(
      "td",
      { class: "c-run" },
      el("button", {
        type: "button",
        class: "open",
        dataset: { id: item.id },
        title: `run ${item.run_id}\nthread ${item.thread_id}`,
        "aria-label": rowLabel(item),
        text: shortId(item.run_id),
        on: { click: () => onOpen(item.id) },
      }),
    ),
    el("td", { class: "c-age" }, el("time", { datetime: item.received_at, title: formatTime(item.received_at), text: formatAge(item.received_at) })),
    el("td", { class: "c-actions" }, actionsText(item)),
  ];
}

/**
 * A run id short enough for a table cell: LangGraph's ids are time-ordered UUIDs (v6/v7) whose first
 * block is the same for runs started close together, so a UUID reads by its last 8 characters. The
 * whole id is in the title, the detail, and its Copy button.
 */
export const shortId = (id) => (/^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? `…${id.slice(-8)}` : id.length > 14 ? `${id.slice(0, 12)}…` : id);

function actionsText(item) {
  // A forged, unconfirmed or duplicate callback says so in words, where its actions would be.
  if (verdictStandsOut(item)) return el("span", { class: `verdict ${item.outcome}`, dataset: { role: "verdict" }, title: verdictText(item), text: verdictText(item) });
  if (item.actions.length === 0) return el("span", { class: "meta", text: idleText(item) });
  const text = item.actions
    .map((action) => `${action.name} ${actionStateLabel(action)} (${action.attempts} attempt${action.attempts === 1 ? "" : "s"})`)
    .join(" · ");
  return el("span", { title: text, text });
}

/** What the actions cell says when no action ran. */
function idleText(item) {
  const state = item.verification?.state;
  if (state === "pending") return "confirming…";
  if (state === "rejected" || item.duplicate_of) return "not routed";
  return item.routing === "pending" ? "routing…" : "no action ran";
}

export function rowLabel(item) {
  const state = deliveryState(item);
  const verdict = verdictStandsOut(item) ? `, ${verdictText(item)}` : "";
  const source = item.source === "reconciled" ? ", reconciled" : "";
  return `${deliveryLabel(state)}${verdict}, ${item.event}${source}, ${assistantLabel(item)}, run ${item.run_id}, ${formatTime(item.received_at)}`;
}

/** Refreshes the ages in place (they change while nothing else does). */
export function refreshAge(row, now) {
  const time = row.querySelector(".c-age time");
  if (time !== null) {
    const text = formatAge(time.dateTime, now);
    if (time.textContent !== text) time.textContent = text;
  }
}
