// A delivery is one recorded callback: the redacted Run payload, the event it became, and what each
// downstream action did with it. The same shape is stored in memory or in Redis and served by
// /api/deliveries.
import { sha256Hex } from "../shared/digest.js";
import type { PayloadTruncation } from "./payload-cap.js";
import type { RunPayload } from "./run-payload.js";
import { graphIdOf } from "./run-fields.js";

export type ActionState = "pending" | "succeeded" | "failed";

export interface ActionAttempt {
  /** 1-based attempt number across the action's whole life, replays included. */
  number: number;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  ok: boolean;
  /** HTTP status of the downstream answer, when there was one. */
  http_status?: number;
  /** Why it failed, without secrets. */
  error?: string;
  /** True when this attempt was started by a replay. */
  replay?: boolean;
  /** Small facts from a successful attempt, e.g. the run a chain action started. */
  result?: Record<string, string | number | boolean | null>;
}

export interface ActionRecord {
  /** Unique within the delivery, e.g. `forward` or `notify-slack`. */
  name: string;
  /** The kind of action: forward, slack, chain, custom (see `currentActionType` for older records). */
  type: string;
  state: ActionState;
  attempts: ActionAttempt[];
  last_error?: string;
  updated_at: string;
  /** ISO time of the next scheduled attempt, present while `pending` with a retry scheduled. */
  next_attempt_at?: string;
  /** ISO time the action became dead (`failed` for good: schedule exhausted or a final error). */
  dead_at?: string;
  /** The attempt number the current retry schedule counts from (a replay or redrive starts it again). */
  schedule_from?: number;
}

/**
 * The type of a recorded action as this version names it. Records stored before the chain action
 * had its name say `start_run`; they are read as `chain` wherever records are shown or replayed.
 */
export function currentActionType(type: string): string {
  return type === "start_run" ? "chain" : type;
}

/** One pending `interrupt()` of a paused thread: what the run is waiting for. */
export interface PendingInterrupt {
  id?: string;
  value: unknown;
}

/** What the router read from the thread of a `run.paused` delivery. */
export interface PauseRecord {
  interrupts: PendingInterrupt[];
  /** The nodes that will run on resume. */
  next: string[];
}

/**
 * A human's (or the unanswered-pause timer's) answer to a paused run, recorded beside the delivery by
 * lib/hitl: which channel, who, when, the value resumed with (secrets redacted), the run it started.
 */
export interface DecisionRecord {
  channel: "slack" | "link" | "inspector" | "timeout";
  decision: "approve" | "reject" | "custom";
  /** Who decided, as the channel names them (a Slack user, `inspector`, `timeout`); never a credential. */
  by?: string;
  /** A stable id of who decided where the channel has one (the Slack user id), beside the name. */
  by_id?: string;
  /** Which kind of credential answered (the inspector: `TRIGGER_TOKEN`); never the credential itself. */
  credential?: string;
  at: string;
  /** The resume value, redacted like payloads are. */
  value?: unknown;
  /** The resumed run. */
  run_id?: string;
  /** Why the decision resumed nothing. */
  error?: string;
  /**
   * Stored only (the decision store): earlier answers whose resumed run ended with the thread still on
   * the same interrupts, each with its `error`. /api/deliveries lists them before this one instead.
   */
  earlier?: DecisionRecord[];
  /**
   * Set with `error` when starting the resumed run failed with its outcome unknown (a timeout, a
   * 5xx): the pause may be answered again, and that answer first looks for the run this one may
   * have started (the start is keyed, lib/trigger/start-once.ts).
   */
  open?: boolean;
}

export type Verification =
  | { state: "pending" }
  | { state: "confirmed"; by: "ledger" | "langgraph" | "receive-only"; checked_at: string }
  | { state: "rejected" | "unverified"; reason: string; checked_at: string };

export interface DeliveryRecord {
  /** Derived from the run and its status, so every repeat of a callback maps to the same id. */
  id: string;
  /** `run.<status>`, or `run.paused` once the router has seen the thread waiting on a human. */
  event: string;
  received_at: string;
  run_id: string;
  thread_id: string;
  assistant_id: string;
  graph_id?: string;
  status: string;
  /** The named route the run was started with (`route` on /api/trigger), if any. */
  route?: string;
  /** How the callback authenticated: a token minted by this deployment, or a static token. */
  auth: "minted" | "static";
  /**
   * `pending` until the router has run; `done` after; `no_route` when nothing matched; `skipped` when
   * the callback was not routed at all: rejected, or another delivery of the same run and status was
   * routed already (`duplicate_of`).
   */
  routing: "pending" | "done" | "no_route" | "skipped";
  /** Where the delivery came from: LangGraph's callback (`webhook`). Absent on records of older relays. */
  source?: "webhook" | "reconciled";
  /** The id of the minted token the callback presented (never the token). Absent for static tokens. */
  token_id?: string;
  /**
   * Whether the callback is LangGraph's own, confirmed against the run ledger or LangGraph's record of
   * the run (lib/verification/confirm.ts). Absent on records of older relays (they were routed as received).
   */
  verification?: Verification;
  /** SHA-256 of the body as received (its webhook_sent_at left out): tells a retry from a different body. */
  body_digest?: string;
  /** The delivery of the same run and status that was routed instead of this one. */
  duplicate_of?: string;
  /** Set when the router found the thread waiting on a human (the event is then `run.paused`). */
  pause?: PauseRecord;
  /** Why the router could not read the thread state of a successful run (it then routed run.success). */
  pause_check_error?: string;
  /** Answers to a run.paused delivery (lib/hitl); kept under their own key and merged in when read. */
  decisions?: DecisionRecord[];
  actions: ActionRecord[];
  payload: RunPayload;
  /** Set when the payload was over the stored size cap and cut (lib/model/payload-cap.ts): what was cut. */
  payload_truncated?: PayloadTruncation;
}

/** Longest graph id or route name a record keeps (LangGraph's ids are UUIDs, names short). */
const MAX_NAME_CHARS = 256;

/** Metadata key under which the trigger stores the route name of a run. */
export const ROUTE_METADATA_KEY = "relay_route";

/** Delivery ids are ours: `dlv_` + 24 hex. Anything else cannot name a delivery, and is never echoed. */
export const DELIVERY_ID_PATTERN = "dlv_[0-9a-f]{24}";
const DELIVERY_ID = new RegExp(`^${DELIVERY_ID_PATTERN}$`);
export const isDeliveryId = (id: string): boolean => DELIVERY_ID.test(id);

/** The idempotency key of a callback is its run and final status; the id is derived from it. */
export function deliveryIdFor(runId: string, status: string): string {
  return `dlv_${sha256Hex(`${runId}\u0000${status}`).slice(0, 24)}`;
}

/**
 * The id of a callback for the same run and status whose body differs from the one recorded first:
 * a forged copy may have taken the first id, and must not make the genuine callback a "duplicate".
 */
export function alternateDeliveryIdFor(runId: string, status: string, bodyDigest: string): string {
  return `dlv_${sha256Hex(`${runId}\u0000${status}\u0000${bodyDigest}`).slice(0, 24)}`;
}

export function eventFor(status: string): string {
  return `run.${status}`;
}

/** Builds the record of a newly received (already redacted) payload. */
export function newDeliveryRecord(
  payload: RunPayload,
  options: { receivedAt: Date; auth: "minted" | "static"; tokenId?: string | undefined; bodyDigest?: string | undefined },
): DeliveryRecord {
  const record: DeliveryRecord = {
    id: deliveryIdFor(payload.run_id, payload.status),
    event: eventFor(payload.status),
    received_at: options.receivedAt.toISOString(),
    run_id: payload.run_id,
    thread_id: payload.thread_id,
    assistant_id: payload.assistant_id,
    status: payload.status,
    auth: options.auth,
    source: "webhook",
    routing: "pending",
    actions: [],
    payload,
  };
  if (options.tokenId !== undefined) record.token_id = options.tokenId;
  if (options.bodyDigest !== undefined) record.body_digest = options.bodyDigest;
  // Copied out of the payload, so bounded here: the payload's size cap does not reach the record's fields.
  const graphId = graphIdOf(payload);
  if (graphId !== undefined && graphId.length <= MAX_NAME_CHARS) record.graph_id = graphId;
  const route = payload.metadata?.[ROUTE_METADATA_KEY];
  if (typeof route === "string" && route.length > 0 && route.length <= MAX_NAME_CHARS) record.route = route;
  return record;
}
