// The relay's request and answer types, for your own TypeScript code that calls it:
//
//   import type { TriggerRequest, StartedRun } from "langgraph-relay/types";
//
// Each is derived from the zod schema the relay validates that request with, or builds that answer
// from — the same schemas GET /api/openapi.json is generated from — so they cannot drift from the API.
// Requests are typed as you may send them (defaults optional); answers as the relay gives them.
import type { z } from "zod";
import type { ErrorBody } from "./lib/http/errors.js";
import type { deliveryAnswerSchema, deliveryDetailSchema, deliveryListSchema, deliverySummarySchema, replayAnswerSchema, webhookAckSchema } from "./lib/openapi/deliveries.js";
import type { OpenApiDocument } from "./lib/openapi/document.js";
import type { RunPayload } from "./lib/model/run-payload.js";
import type { CreatedCron, CronList, CronView, WaitedRun, cronAnswerSchema, cronDeletedSchema, startedRunSchema } from "./lib/trigger/answers.js";
import type { CronAction, cronListQuerySchema, cronUpdateBodySchema } from "./lib/trigger/cron-requests.js";
import type { TriggerMode, triggerBodySchema } from "./lib/trigger/request.js";
import type { answerSchema } from "./lib/hitl/answer.js";
import type { inspectorResumedSchema, resumedSchema } from "./lib/openapi/hitl.js";

// POST /api/trigger
export type { TriggerMode };
export type TriggerRequest = z.input<typeof triggerBodySchema>;
/** 202 of mode create. */
export type StartedRun = z.output<typeof startedRunSchema>;
/** 200 of mode wait. */
export type { WaitedRun };
/** 201 of mode cron. */
export type { CreatedCron };

// /api/crons
export type Cron = CronView;
export type { CronList, CronAction };
export type CronListQuery = z.input<typeof cronListQuerySchema>;
export type CronUpdate = z.input<typeof cronUpdateBodySchema>;
export type CronAnswer = z.output<typeof cronAnswerSchema>;
export type CronDeleted = z.output<typeof cronDeletedSchema>;

// POST /api/webhook
/** What LangGraph posts when a run ends (every field beyond those typed is kept). */
export type RunCallback = RunPayload;
export type WebhookAck = z.output<typeof webhookAckSchema>;

// /api/deliveries
export type DeliverySummary = z.output<typeof deliverySummarySchema>;
export type DeliveryList = z.output<typeof deliveryListSchema>;
export type DeliveryDetail = z.output<typeof deliveryDetailSchema>;
export type DeliveryAnswer = z.output<typeof deliveryAnswerSchema>;
export type ReplayAnswer = z.output<typeof replayAnswerSchema>;

// Human in the loop: POST /api/resume?token=… and POST /api/deliveries?id=…&resume=1
/** `{"resume": <any JSON>}` or `{"decision": "approve" | "reject"}`. */
export type ResumeRequest = z.input<typeof answerSchema>;
/** 202 of POST /api/resume. */
export type Resumed = z.output<typeof resumedSchema>;
/** 202 of POST /api/deliveries?id=…&resume=1. */
export type InspectorResumed = z.output<typeof inspectorResumedSchema>;

// Every error, everywhere
export type { ErrorBody };

// GET /api/openapi.json
export type { OpenApiDocument };
