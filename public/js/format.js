// How deliveries read on screen, shared by the list and the detail view: durations, times, labels
// and the outcome and event badges.
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
};

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
