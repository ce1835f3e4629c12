// The actions part of the detail: each action with its state (retrying with its next attempt's time,
// dead since when), a Replay button (failed and pending actions too), and its attempts as a timeline,
// newest first, so a replay's result is the first thing read. No state and no requests here: replays
// are detail.js's (hook).
import { el } from "./dom.js";
import { actionStateLabel, formatDuration, formatIn, formatTime, notRoutedReason } from "./format.js";

/** `onReplay(actionName | undefined, button)`; `note` is the last replay's {text, error}. */
export function actionsPart(delivery, { onReplay, note }) {
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
          on: { click: (event) => onReplay(undefined, event.currentTarget) },
        })
      : null,
  );
  const status = el("p", { id: "replay-status", role: "status", "aria-live": "polite", class: note?.error ? "field-error" : null, text: note?.text ?? "" });
  if (delivery.actions.length === 0) {
    const idle = notRoutedReason(delivery) ?? (delivery.routing === "pending" ? "Routing has not finished yet." : "No route handled this event: no action ran.");
    return el("div", { dataset: { part: "actions" } }, head, el("p", { class: "meta", dataset: { role: "not-routed" }, text: idle }), status);
  }
  return el("div", { dataset: { part: "actions" } }, head, status, el("ol", { class: "action-list" }, delivery.actions.map((action) => actionItem(action, onReplay))));
}

function actionItem(action, onReplay) {
  const label = actionStateLabel(action);
  const badgeClass = label === "dead" ? "dead" : label === "retrying" ? "pending" : action.state;
  return el(
    "li",
    { class: "action", dataset: { state: action.state, label, action: action.name } },
    el(
      "div",
      { class: "action-head" },
      el("span", { class: "name", text: action.name }),
      el("span", { class: "meta", text: action.type }),
      el("span", { class: `badge ${badgeClass}`, dataset: { role: "action-state" }, text: label }),
      el("button", {
        type: "button",
        class: action.state === "failed" ? "" : "secondary",
        dataset: { replay: action.name },
        "aria-label": `Replay ${action.name}`,
        text: "Replay",
        on: { click: (event) => onReplay(action.name, event.currentTarget) },
      }),
    ),
    schedule(action),
    action.last_error ? el("p", { class: "last-error", text: action.last_error }) : null,
    el(
      "ol",
      { class: "attempts", "aria-label": `Attempts of ${action.name}, newest first`, reversed: true },
      [...action.attempts].reverse().map((attempt) =>
        el(
          "li",
          { dataset: { number: String(attempt.number) } },
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

/** When the next attempt is due, or since when the action is dead. */
function schedule(action) {
  if (action.state === "pending" && action.next_attempt_at) {
    return el(
      "p",
      { class: "schedule", dataset: { role: "next-attempt" } },
      "Next attempt ",
      el("time", { datetime: action.next_attempt_at, text: `${formatIn(action.next_attempt_at)} (${formatTime(action.next_attempt_at)})` }),
    );
  }
  if (action.state === "failed" && action.dead_at) {
    return el(
      "p",
      { class: "schedule dead", dataset: { role: "dead" } },
      "Dead since ",
      el("time", { datetime: action.dead_at, text: formatTime(action.dead_at) }),
      ": no attempt is scheduled. Replay it, or redrive every dead action from the list.",
    );
  }
  return null;
}
