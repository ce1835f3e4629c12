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
  failed: "failed",
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

/** An action's state in words: a failed action with dead_at is dead (its schedule is over), a pending one with attempts is retrying. */
export function actionStateLabel(action) {
  if (action.state === "failed") return action.dead_at ? "dead" : "failed";
  if (action.state === "pending") return action.next_attempt_at || attemptCount(action) > 0 ? "retrying" : "pending";
  return STATE_LABEL[action.state] ?? action.state;
}

const attemptCount = (action) => (Array.isArray(action.attempts) ? action.attempts.length : Number(action.attempts) || 0);

/** The run's own outcome is the event; this is what became of the delivery, in one of a few words. */
export function deliveryState(item) {
  const outcome = item.outcome;
  if (outcome === "failed") return item.actions.some((action) => action.state === "failed" && action.dead_at) ? "dead" : "failed";
  if (outcome === "pending") {
    if (item.verification?.state === "pending") return "confirming";
    if (item.routing === "pending") return "routing";
    return item.actions.some((action) => actionStateLabel(action) === "retrying") ? "retrying" : "pending";
  }
  return outcome;
}

const DELIVERY_LABEL = { ...OUTCOME_LABEL, failed: "failed", dead: "dead", retrying: "retrying", confirming: "confirming", routing: "routing" };
export const deliveryLabel = (state) => DELIVERY_LABEL[state] ?? state;
/** Badge colour per state: the words differ, the colours are few. */
const DELIVERY_CLASS = { dead: "failed", retrying: "pending", confirming: "pending", routing: "pending" };

export const BAD_EVENTS = new Set(["run.error", "run.timeout", "run.rollback"]);

export function eventBadge(event) {
  const cls = `badge event${BAD_EVENTS.has(event) ? " bad" : event === "run.paused" ? " paused" : ""}`;
  return el("span", { class: cls, dataset: { role: "event" }, text: event });
}

/** The delivery's own state (never the run's): delivered, failed, retrying, dead, no route, … */
export function outcomeBadge(itemOrOutcome) {
  const state = typeof itemOrOutcome === "string" ? itemOrOutcome : deliveryState(itemOrOutcome);
  return el("span", { class: `badge ${DELIVERY_CLASS[state] ?? state}`, dataset: { role: "outcome", state }, text: DELIVERY_LABEL[state] ?? state });
}

/** "reconciled" when the relay asked LangGraph for a run whose callback never came. */
export const sourceBadge = (source) =>
  source === "reconciled" ? el("span", { class: "badge source", dataset: { role: "source" }, title: "LangGraph's callback never came: the relay asked LangGraph for the run.", text: "reconciled" }) : null;

/** "12 s", "4 min", "3 h", "2 d": how long ago, short enough for a table cell. */
export function formatAge(iso, now = Date.now()) {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return "—";
  if (ms < 60_000) return `${Math.max(0, Math.floor(ms / 1000))} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h`;
  return `${Math.floor(ms / 86_400_000)} d`;
}

/** "in 4 min" or "now", for a time still to come. */
export function formatIn(iso, now = Date.now()) {
  const ms = Date.parse(iso) - now;
  if (!Number.isFinite(ms)) return "";
  if (ms <= 1000) return "now";
  return `in ${formatAge(new Date(now - ms).toISOString(), now)}`;
}

/** The graph's name reads better than an assistant's UUID; the UUID gets its own line when they differ. */
export const assistantLabel = (item) => item.graph_id ?? item.assistant_id;
