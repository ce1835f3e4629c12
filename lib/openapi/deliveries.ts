// What /api/deliveries and /api/webhook answer, as zod schemas for the OpenAPI document. The answers
// are built by lib/inspector/present.ts and lib/model/delivery.ts from TypeScript types; the checks at
// the end of this file make the compiler refuse a schema whose fields are not exactly the type's (and
// that would not accept every value of it), so a field added there fails the build until it is
// documented here. test/handlers/openapi.test.ts validates real answers against the document.
import * as z from "zod";
import type { ActionSummary, DeliveryDetail, DeliverySummary, ReplayedAction, VerificationSummary } from "../inspector/present.js";
import type { StatsAnswer } from "../inspector/stats.js";
import type { ActionAttempt, ActionRecord, DeliveryRecord, Verification } from "../model/delivery.js";
import { DELIVERY_ID_PATTERN } from "../model/delivery.js";
import { runFieldsSchema } from "../model/run-payload.js";

const deliveryId = z.string().regex(new RegExp(`^${DELIVERY_ID_PATTERN}$`));
const actionState = z.enum(["pending", "succeeded", "failed"]);
const outcome = z.enum(["succeeded", "failed", "pending", "no_route", "rejected", "unverified", "duplicate"]).meta({
  description: "What became of the delivery: rejected (not LangGraph's own), duplicate (another copy was routed), failed, pending, unverified, no_route or succeeded.",
});
const routing = z.enum(["pending", "done", "no_route", "skipped"]);
const source = z.enum(["webhook", "reconciled"]);
const confirmedBy = z.enum(["ledger", "langgraph", "receive-only"]);

const verificationSummary = z.union([
  z.object({ state: z.literal("pending") }),
  z.object({ state: z.literal("confirmed"), by: confirmedBy }),
  z.object({ state: z.enum(["rejected", "unverified"]), reason: z.string() }),
]);

const actionSummary = z.object({
  name: z.string(),
  type: z.string().meta({ description: "forward, slack, chain or custom." }),
  state: actionState,
  attempts: z.number().int().meta({ description: "How many attempts were made, replays included." }),
  next_attempt_at: z.string().nullable().meta({ description: "When the next scheduled attempt is due (a pending action being retried)." }),
  dead_at: z.string().nullable().meta({ description: "When the action failed for good (a dead letter)." }),
});

export const deliverySummarySchema = z.object({
  id: deliveryId,
  event: z.string().meta({ examples: ["run.success"] }),
  status: z.string(),
  received_at: z.string(),
  run_id: z.string(),
  thread_id: z.string(),
  assistant_id: z.string(),
  graph_id: z.string().nullable(),
  route: z.string().nullable(),
  routing,
  outcome,
  verification: verificationSummary.nullable(),
  token_id: z.string().nullable(),
  source: source.nullable(),
  duplicate_of: z.string().nullable(),
  run_started_at: z.string().nullable(),
  run_ended_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  error: z.string().nullable(),
  actions: z.array(actionSummary),
});

export const deliveryListSchema = z.object({
  deliveries: z.array(deliverySummarySchema).meta({ description: "Newest first." }),
  next_cursor: z.string().nullable().meta({ description: "Pass as cursor for the next page; null after the last." }),
});

const attempt = z.object({
  number: z.number().int(),
  started_at: z.string(),
  ended_at: z.string(),
  duration_ms: z.number(),
  ok: z.boolean(),
  http_status: z.number().int().optional(),
  error: z.string().optional(),
  replay: z.boolean().optional(),
  result: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

const actionRecord = z.object({
  name: z.string(),
  type: z.string(),
  state: actionState,
  attempts: z.array(attempt),
  last_error: z.string().optional(),
  updated_at: z.string(),
  next_attempt_at: z.string().optional().meta({ description: "When the next scheduled attempt is due (while pending)." }),
  dead_at: z.string().optional().meta({ description: "When the action failed for good (schedule exhausted or a final error): a dead letter." }),
  schedule_from: z.number().int().optional().meta({ description: "The attempt the current retry schedule counts from (a replay starts it again)." }),
});

const verification = z.union([
  z.object({ state: z.literal("pending") }),
  z.object({ state: z.literal("confirmed"), by: confirmedBy, checked_at: z.string() }),
  z.object({ state: z.enum(["rejected", "unverified"]), reason: z.string(), checked_at: z.string() }),
]);

const pendingInterrupt = z.object({ id: z.string().optional(), value: z.unknown() });

/** The Run LangGraph posted, as recorded (redacted; cut when over the size cap). */
export const recordedPayloadSchema = z.looseObject(runFieldsSchema.shape);

export const deliveryDetailSchema = z.object({
  id: deliveryId,
  event: z.string(),
  received_at: z.string(),
  run_id: z.string(),
  thread_id: z.string(),
  assistant_id: z.string(),
  graph_id: z.string().optional(),
  status: z.string(),
  route: z.string().optional(),
  auth: z.enum(["minted", "static"]),
  routing,
  source: source.optional(),
  token_id: z.string().optional(),
  verification: verification.optional(),
  body_digest: z.string().optional(),
  duplicate_of: z.string().optional(),
  pause: z.object({ interrupts: z.array(pendingInterrupt), next: z.array(z.string()) }).optional(),
  pause_check_error: z.string().optional(),
  decisions: z
    .array(
      z.object({
        channel: z.enum(["slack", "link", "inspector", "timeout"]),
        decision: z.enum(["approve", "reject", "custom"]),
        by: z.string().optional(),
        by_id: z.string().optional().meta({ description: "A stable id of who decided: the Slack user id." }),
        credential: z.string().optional().meta({ description: "The kind of credential that answered (the inspector: TRIGGER_TOKEN), never the credential." }),
        at: z.string(),
        value: z.unknown().optional(),
        run_id: z.string().optional(),
        error: z.string().optional(),
        open: z.boolean().optional().meta({ description: "With error: the start's outcome is unknown; the pause may be answered again (the next answer looks for that run first)." }),
      }),
    )
    .optional()
    .meta({ description: "Answers to a run.paused delivery (Slack, a resume link, the inspector, the unanswered-pause timer): who, when, the value (redacted), the resumed run." }),
  actions: z.array(actionRecord),
  payload: recordedPayloadSchema,
  payload_truncated: z.object({ fields: z.array(z.string()), original_bytes: z.number(), max_bytes: z.number() }).optional(),
  outcome,
  duration_ms: z.number().nullable(),
});

export const deliveryAnswerSchema = z.object({ delivery: deliveryDetailSchema });

const replayedAction = z.object({
  name: z.string(),
  type: z.string(),
  state: actionState,
  last_error: z.string().optional(),
  attempts: z.array(attempt).meta({ description: "Only the attempts this replay made." }),
});

export const replayAnswerSchema = z.object({
  delivery: deliveryDetailSchema,
  replayed: z.array(replayedAction).meta({ description: "The actions this replay ran; empty when nothing had failed." }),
});

/** 202 of a redrive, POST /api/deliveries?replay=1&action_state=failed (lib/inspector/redrive.ts). */
export const redriveAnswerSchema = z.object({
  redriven: z.number().int().meta({ description: "Dead actions made due again now; they run after the answer and by the sweep." }),
  deliveries: z.array(deliveryId).meta({ description: "The deliveries they belong to." }),
  more: z.boolean().meta({ description: "True when more dead actions matched than one request takes (100): ask again." }),
});

/** 200 of /api/sweep (lib/handlers/sweep.ts): the counts of the due work, then each step's own. */
export const sweepAnswerSchema = z
  .object({
    ok: z.literal(true),
    attempted: z.number().int().meta({ description: "Attempts run." }),
    succeeded: z.number().int().meta({ description: "Actions that succeeded." }),
    rescheduled: z.number().int().meta({ description: "Actions whose next attempt was scheduled for later." }),
    dead: z.number().int().meta({ description: "Actions that became dead letters." }),
    routed: z.number().int().meta({ description: "Deliveries whose routing had never finished, routed now." }),
    ms: z.number().meta({ description: "How long the sweep took." }),
  })
  .catchall(z.number().int())
  .meta({ description: "Steps after the due work add their own counts (reconciliation: reconciled, deferred, unknown)." });

/** 200 of /api/webhook (lib/handlers/webhook.ts). */
export const webhookAckSchema = z.object({
  ok: z.literal(true),
  delivery_id: deliveryId,
  duplicate: z.boolean().meta({ description: "True when this very body was recorded already: nothing runs again." }),
});

/** GET /api/deliveries?stats=1: the inspector's health strip (lib/inspector/stats.ts). */
export const deliveryStatsAnswerSchema = z.object({
  stats: z.object({
    since: z.string(),
    until: z.string(),
    bucket_ms: z.number().int(),
    buckets: z
      .array(z.object({ start: z.string(), callbacks: z.number().int(), failed: z.number().int(), run_errors: z.number().int() }))
      .meta({ description: "One a minute, oldest first: callbacks received, deliveries whose actions failed for good, runs that ended in error." }),
    callbacks: z.number().int(),
    failed: z.number().int(),
    run_errors: z.number().int(),
    pending: z.number().int().meta({ description: "Deliveries still routing or retrying." }),
    complete: z.boolean().meta({ description: "False when the hour held more than 1000 records: the counts are then lower bounds." }),
  }),
  langsmith: z
    .object({ studio_thread_url: z.string(), deployment_url: z.string() })
    .nullable()
    .meta({ description: "Set when LANGSMITH_API_KEY is: where LangSmith Studio opens a thread of this deployment (the URL without credentials; never the key)." }),
});

// ---------------------------------------------------------------------------------------------
// The compiler's check that these schemas say what the code answers.

/** True when A and B have the same keys and every A is a B. */
type Documents<Type, Schema> = [Exclude<keyof Type, keyof Schema> | Exclude<keyof Schema, keyof Type>] extends [never]
  ? [Type] extends [Schema]
    ? true
    : "a value of the type is not accepted by the schema"
  : { undocumented: Exclude<keyof Type, keyof Schema>; invented: Exclude<keyof Schema, keyof Type> };

type Out<S extends z.ZodType> = z.output<S>;

export const DOCUMENTED: [
  Documents<DeliverySummary, Out<typeof deliverySummarySchema>>,
  Documents<ActionSummary, Out<typeof actionSummary>>,
  Documents<DeliveryRecord, Omit<Out<typeof deliveryDetailSchema>, "outcome" | "duration_ms">>,
  Documents<DeliveryDetail, Out<typeof deliveryDetailSchema>>,
  Documents<ActionRecord, Out<typeof actionRecord>>,
  Documents<ActionAttempt, Out<typeof attempt>>,
  Documents<ReplayedAction, Out<typeof replayedAction>>,
  [VerificationSummary] extends [Out<typeof verificationSummary>] ? true : false,
  [Verification] extends [Out<typeof verification>] ? true : false,
  Documents<StatsAnswer, Out<typeof deliveryStatsAnswerSchema>>,
] = [true, true, true, true, true, true, true, true, true, true];
