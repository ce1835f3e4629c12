// How deliveries read on screen, shared by the list and the detail view: durations, times, labels,
// the outcome and event badges, and the verdict on whether a callback was LangGraph's own.
import { el } from "./dom.js";

export function formatDuration(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? "—");
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return date.toDateString() === new Date().toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}

export const OUTCOME_LABEL = {
  succeeded: "delivered",
  failed: "action failed",
  pending: "pending",
  no_route: "no route",
  rejected: "rejected",
  unverified: "unverified",
  duplicate: "duplicate",
};

export const CONFIRMED_BY = {
  ledger: "the relay's run ledger",
  langgraph: "LangGraph's record of the run",
  "receive-only": "nothing (receive-only relay: static token trusted)",
};

/**
 * The verdict in a few words, e.g. "rejected: the token was minted for another run"; null for records
 * of older relays, which carry none. Takes a summary or a full record (both have `verification`).
 */
export function verdictText(item) {
  const verdict = item.verification;
  if (!verdict) return null;
  if (verdict.state === "pending") return "confirming…";
  if (verdict.state === "confirmed") {
    const text = `confirmed by ${CONFIRMED_BY[verdict.by] ?? verdict.by}`;
    return item.duplicate_of ? `${text}; duplicate of ${item.duplicate_of}` : text;
  }
  return `${verdict.state}: ${verdict.reason}`;
}

/** True when the verdict is worth a line of its own in the list: anything but a routed, confirmed callback. */
export const verdictStandsOut = (item) =>
  Boolean(item.verification) && (item.verification.state === "rejected" || item.verification.state === "unverified" || Boolean(item.duplicate_of));

/** Why no action ran, when the verdict is the reason; null when it is not. */
export function notRoutedReason(item) {
  const state = item.verification?.state;
  if (state === "pending") return "Confirming the callback with the run ledger and LangGraph…";
  if (state === "rejected") return "Not routed: the callback was rejected as not LangGraph's own. Nothing can replay it.";
  if (item.duplicate_of) return `Not routed: another copy of this event was routed (${item.duplicate_of}).`;
  if (state === "unverified") return "Not routed: the callback could not be confirmed, and no route accepts unverified callbacks.";
  return null;
}

export const STATE_LABEL = { succeeded: "succeeded", failed: "failed", pending: "pending" };

export function eventBadge(event) {
  const bad = event === "run.error" || event === "run.timeout" || event === "run.rollback";
  const cls = `badge event${bad ? " bad" : event === "run.paused" ? " paused" : ""}`;
  return el("span", { class: cls, text: event });
}

export const outcomeBadge = (outcome) =>
  el("span", { class: `badge ${outcome}`, dataset: { role: "outcome" }, text: OUTCOME_LABEL[outcome] ?? outcome });

/** The graph's name reads better than an assistant's UUID; the UUID gets its own line when they differ. */
export const assistantLabel = (item) => item.graph_id ?? item.assistant_id;
