// What /api/deliveries answers about a delivery: a small summary per delivery in the list (its outcome
// at a glance, the verdict on whether the callback was LangGraph's own), the whole record for one, and
// the attempts a replay made. Pure: no HTTP and no store; lib/handlers/deliveries.ts adapts it.
import type { ActionRecord, ActionState, DeliveryRecord, Verification } from "../model/delivery.js";
import { currentActionType } from "../model/delivery.js";
import type { RunPayload } from "../model/run-payload.js";
import { runErrorMessage } from "../model/run-payload.js";

/** A summary carries the run's error message (and a verdict's reason), cut to this length: the detail has all of it. */
const SUMMARY_ERROR_CHARS = 300;


/**
 * What became of the delivery, for a glance at the list: `rejected` when it was not LangGraph's own
 * (a forged or revoked callback: routed nowhere), `duplicate` when another copy of the same run and
 * status was routed instead, then what the actions came to — `failed` as soon as one action failed,
 * `pending` while confirming, routing or an action is still running, `unverified` when it could not be
 * confirmed and so no action ran, `no_route` when nothing handled it, else `succeeded`. The run's own
 * outcome is the event (`run.error`, …), shown beside it. Records of older relays carry no verdict and
 * read as they always did.
 */
export type Outcome = "succeeded" | "failed" | "pending" | "no_route" | "rejected" | "unverified" | "duplicate";

export function outcomeOf(record: Pick<DeliveryRecord, "routing" | "actions" | "verification" | "duplicate_of">): Outcome {
  const verdict = record.verification?.state;
  if (verdict === "rejected") return "rejected";
  if (record.routing === "skipped" && record.duplicate_of !== undefined) return "duplicate";
  if (record.actions.some((action) => action.state === "failed")) return "failed";
  if (verdict === "pending" || record.routing === "pending" || record.actions.some((action) => action.state === "pending")) return "pending";
  if (verdict === "unverified" && record.actions.length === 0) return "unverified";
  if (record.routing === "no_route" || record.actions.length === 0) return "no_route";
  return "succeeded";
}

/** The verdict as the list shows it: its state and why (or by what it was confirmed), without the time. */
export type VerificationSummary =
  | { state: "pending" }
  | { state: "confirmed"; by: "ledger" | "langgraph" | "receive-only" }
  | { state: "rejected" | "unverified"; reason: string };

export function verificationSummary(verification: Verification | undefined): VerificationSummary | null {
  if (verification === undefined) return null;
  switch (verification.state) {
    case "pending":
      return { state: "pending" };
    case "confirmed":
      return { state: "confirmed", by: verification.by };
    default:
      return { state: verification.state, reason: verification.reason.slice(0, SUMMARY_ERROR_CHARS) };
  }
}

/** run_ended_at − run_started_at in ms, when both are present and in order. */
export function runDurationMs(payload: Pick<RunPayload, "run_started_at" | "run_ended_at">): number | null {
  const started = payload.run_started_at == null ? Number.NaN : Date.parse(payload.run_started_at);
  const ended = payload.run_ended_at == null ? Number.NaN : Date.parse(payload.run_ended_at);
  return Number.isFinite(started) && Number.isFinite(ended) && ended >= started ? ended - started : null;
}

export interface ActionSummary {
  name: string;
  type: string;
  state: ActionState;
  /** How many attempts were made, replays included. */
  attempts: number;
  /** When the next scheduled attempt is due (a pending action being retried); else null. */
  next_attempt_at: string | null;
  /** When the action failed for good (a dead letter); else null. */
  dead_at: string | null;
}

export interface DeliverySummary {
  id: string;
  event: string;
  /** LangGraph's status as received. */
  status: string;
  received_at: string;
  run_id: string;
  thread_id: string;
  assistant_id: string;
  graph_id: string | null;
  route: string | null;
  routing: DeliveryRecord["routing"];
  outcome: Outcome;
  /** Whether the callback was confirmed as LangGraph's own; null on records of older relays. */
  verification: VerificationSummary | null;
  /** The id of the minted token the callback presented (never the token); null for static tokens. */
  token_id: string | null;
  /** Where the delivery came from (`webhook`); null on records of older relays. */
  source: NonNullable<DeliveryRecord["source"]> | null;
  /** The delivery of the same run and status that was routed instead of this one. */
  duplicate_of: string | null;
  run_started_at: string | null;
  run_ended_at: string | null;
  duration_ms: number | null;
  /** The run's error message (cut short), for failed runs. */
  error: string | null;
  actions: ActionSummary[];
}

/** A delivery in full, as recorded (payload already redacted), plus the derived fields of the list. */
export type DeliveryDetail = DeliveryRecord & Pick<DeliverySummary, "outcome" | "duration_ms">;

const actionSummary = (action: ActionRecord): ActionSummary => ({
  name: action.name,
  type: currentActionType(action.type),
  state: action.state,
  attempts: action.attempts.length,
  next_attempt_at: action.next_attempt_at ?? null,
  dead_at: action.dead_at ?? null,
});

export function toSummary(record: DeliveryRecord): DeliverySummary {
  const error = runErrorMessage(record.payload.error);
  return {
    id: record.id,
    event: record.event,
    status: record.status,
    received_at: record.received_at,
    run_id: record.run_id,
    thread_id: record.thread_id,
    assistant_id: record.assistant_id,
    graph_id: record.graph_id ?? null,
    route: record.route ?? null,
    routing: record.routing,
    outcome: outcomeOf(record),
    verification: verificationSummary(record.verification),
    token_id: record.token_id ?? null,
    source: record.source ?? null,
    duplicate_of: record.duplicate_of ?? null,
    run_started_at: record.payload.run_started_at ?? null,
    run_ended_at: record.payload.run_ended_at ?? null,
    duration_ms: runDurationMs(record.payload),
    error: error === undefined ? null : error.slice(0, SUMMARY_ERROR_CHARS),
    actions: record.actions.map(actionSummary),
  };
}

export function toDetail(record: DeliveryRecord): DeliveryDetail {
  return {
    ...record,
    actions: record.actions.map((action) => ({ ...action, type: currentActionType(action.type) })),
    outcome: outcomeOf(record),
    duration_ms: runDurationMs(record.payload),
  };
}

/** An action's attempts made since `before` (attempt counts by action name), for a replay's answer. */
export interface ReplayedAction {
  name: string;
  type: string;
  state: ActionState;
  last_error?: string;
  /** Only the attempts this replay made. */
  attempts: ActionRecord["attempts"];
}

export function attemptCounts(record: DeliveryRecord | undefined): Map<string, number> {
  return new Map((record?.actions ?? []).map((action) => [action.name, action.attempts.length]));
}

export function newAttempts(after: DeliveryRecord, before: Map<string, number>): ReplayedAction[] {
  const replayed: ReplayedAction[] = [];
  for (const action of after.actions) {
    const fresh = action.attempts.slice(before.get(action.name) ?? 0);
    if (fresh.length === 0) continue;
    replayed.push({
      name: action.name,
      type: currentActionType(action.type),
      state: action.state,
      ...(action.last_error === undefined ? {} : { last_error: action.last_error }),
      attempts: fresh,
    });
  }
  return replayed;
}
