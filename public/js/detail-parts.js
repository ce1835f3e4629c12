// Read-only parts of the detail view, built from a delivery record: the facts table, the verdict on
// whether the callback was LangGraph's own, the run's error, the pause, and the payload as a
// collapsible tree plus raw JSON. No state and no requests here.
import { el } from "./dom.js";
import { CONFIRMED_BY, eventBadge, formatDuration, formatTime, outcomeBadge, verdictText } from "./format.js";

export function runError(error) {
  if (typeof error === "string") return error;
  if (error && typeof error === "object") return error.message ?? error.error ?? JSON.stringify(error);
  return String(error);
}

export function facts(delivery) {
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

const VERDICT_LABEL = { pending: "confirming", confirmed: "confirmed", rejected: "rejected", unverified: "unverified" };
const VERDICT_BADGE = { pending: "pending", confirmed: "succeeded", rejected: "rejected", unverified: "unverified" };

/**
 * Was this callback LangGraph's own: the verdict, why, when it was checked, the token's id (never the
 * token), and the copy that was routed instead of a duplicate. Records of older relays have no verdict.
 */
export function verificationPart(delivery) {
  const verdict = delivery.verification;
  const head = el("h3", { text: "Verification" });
  if (!verdict) {
    return el(
      "div",
      { dataset: { part: "verification" } },
      head,
      el("p", { class: "meta", text: "No verdict recorded: an older relay received this callback and routed it as received." }),
    );
  }
  const rows = [
    ["Verdict", el("span", { class: `badge ${VERDICT_BADGE[verdict.state] ?? ""}`, dataset: { role: "verdict-state" }, text: VERDICT_LABEL[verdict.state] ?? verdict.state })],
    verdict.reason !== undefined ? ["Reason", el("span", { dataset: { role: "verdict-reason" }, text: verdict.reason })] : null,
    verdict.state === "confirmed" ? ["Confirmed by", CONFIRMED_BY[verdict.by] ?? verdict.by] : null,
    verdict.checked_at ? ["Checked", formatTime(verdict.checked_at)] : null,
    ["Token", delivery.token_id ? el("span", { class: "mono", text: `id ${delivery.token_id}` }) : delivery.auth === "static" ? "static token" : "—"],
    ["Source", delivery.source ?? "—"],
    delivery.duplicate_of ? ["Duplicate of", el("span", { class: "mono", text: delivery.duplicate_of })] : null,
  ].filter(Boolean);
  const consequence =
    verdict.state === "rejected"
      ? "Recorded for inspection, routed nowhere."
      : delivery.actions.length === 0
        ? "No route accepts unverified callbacks: nothing ran."
        : "Only routes that accept unverified callbacks ran.";
  const warning =
    verdict.state === "rejected" || verdict.state === "unverified"
      ? el("p", { class: `banner verdict-banner ${verdict.state}`, role: "note", text: `${verdictText(delivery)}. ${consequence}` })
      : null;
  return el(
    "div",
    { dataset: { part: "verification" } },
    head,
    warning,
    el("dl", { class: "verdict-facts" }, rows.flatMap(([term, value]) => [el("dt", { text: term }), el("dd", {}, value)])),
  );
}

export function pauseInfo(pause) {
  return el(
    "div",
    {},
    el("h3", { text: "Waiting on a human" }),
    el("p", { text: `Next: ${pause.next.join(", ") || "—"}` }),
    el("pre", { class: "json", text: JSON.stringify(pause.interrupts, null, 2) }),
  );
}

// Payload: a collapsible tree (objects and arrays are <details>), plus the raw JSON.
export function payloadPart(payload) {
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
