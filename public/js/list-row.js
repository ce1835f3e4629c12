// One row of the delivery list, built from a summary: outcome and event badges, the verdict when it
// stands out (rejected, unverified, duplicate), who ran, the ids, and what the actions came to.
// No state and no requests here.
import { el } from "./dom.js";
import {
  assistantLabel,
  eventBadge,
  formatDuration,
  formatTime,
  OUTCOME_LABEL,
  outcomeBadge,
  STATE_LABEL,
  verdictStandsOut,
  verdictText,
} from "./format.js";

export function rowContent(item) {
  const actions = item.actions.length === 0
    ? el("span", { class: "meta", text: idleText(item) })
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
    // A forged, unconfirmed or duplicate callback says so in words, not only in the badge's colour.
    verdictStandsOut(item)
      ? el("span", { class: `line verdict ${item.outcome}`, dataset: { role: "verdict" }, text: verdictText(item) })
      : null,
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

/** What the actions line says when no action ran. */
function idleText(item) {
  const state = item.verification?.state;
  if (state === "pending") return "confirming…";
  if (state === "rejected" || item.duplicate_of) return "not routed";
  return item.routing === "pending" ? "routing…" : "no action ran";
}

export function rowLabel(item) {
  const verdict = verdictStandsOut(item) ? `, ${verdictText(item)}` : "";
  return `${OUTCOME_LABEL[item.outcome] ?? item.outcome}${verdict}, ${item.event}, ${assistantLabel(item)}, ${formatTime(item.received_at)}`;
}
