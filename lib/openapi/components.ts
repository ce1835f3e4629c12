// The named schemas of the OpenAPI document — each one the zod schema the code validates a request
// with or builds an answer from — and the ways a caller authenticates.
import * as z from "zod";
import { errorBodySchema } from "../http/errors.js";
import { runFieldsSchema } from "../model/run-payload.js";
import {
  createdCronSchema,
  cronAnswerSchema,
  cronDeletedSchema,
  cronListSchema,
  cronSchema,
  startedRunSchema,
  waitedRunSchema,
} from "../trigger/answers.js";
import { cronUpdateBodySchema } from "../trigger/cron-requests.js";
import { triggerBodySchema } from "../trigger/request.js";
import {
  deliveryAnswerSchema,
  deliveryDetailSchema,
  deliveryListSchema,
  deliveryStatsAnswerSchema,
  deliverySummarySchema,
  redriveAnswerSchema,
  replayAnswerSchema,
  sweepAnswerSchema,
  webhookAckSchema,
} from "./deliveries.js";
import { componentSchemas, type JsonSchema } from "./json-schema.js";
import { answerSchema, slackFormSchema } from "../hitl/answer.js";
import { inspectorResumedSchema, resumedSchema } from "./hitl.js";

/** What callers send: described as they may send it. */
export const REQUEST_SCHEMAS = {
  TriggerRequest: triggerBodySchema,
  CronUpdate: cronUpdateBodySchema,
  // Loose: LangGraph's servers send more fields than the relay checks, and every one is kept.
  RunCallback: z.looseObject(runFieldsSchema.shape),
  ResumeRequest: answerSchema,
  SlackInteraction: slackFormSchema,
} as const;

/** What the relay answers: described as it answers. */
export const ANSWER_SCHEMAS = {
  StartedRun: startedRunSchema,
  WaitedRun: waitedRunSchema,
  CreatedCron: createdCronSchema,
  Cron: cronSchema,
  CronList: cronListSchema,
  CronAnswer: cronAnswerSchema,
  CronDeleted: cronDeletedSchema,
  WebhookAck: webhookAckSchema,
  DeliverySummary: deliverySummarySchema,
  DeliveryList: deliveryListSchema,
  DeliveryDetail: deliveryDetailSchema,
  DeliveryAnswer: deliveryAnswerSchema,
  DeliveryStats: deliveryStatsAnswerSchema,
  ReplayAnswer: replayAnswerSchema,
  RedriveAnswer: redriveAnswerSchema,
  SweepAnswer: sweepAnswerSchema,
  Resumed: resumedSchema,
  InspectorResumed: inspectorResumedSchema,
  Error: errorBodySchema,
} as const;

export type SchemaName = keyof typeof REQUEST_SCHEMAS | keyof typeof ANSWER_SCHEMAS;

export function schemaComponents(): Record<string, JsonSchema> {
  return { ...componentSchemas(REQUEST_SCHEMAS, "input"), ...componentSchemas(ANSWER_SCHEMAS, "output") };
}

export const SECURITY_SCHEMES = {
  triggerToken: {
    type: "http",
    scheme: "bearer",
    description: "TRIGGER_TOKEN (any of its comma-separated tokens): full access — start runs, manage crons, read and replay deliveries.",
  },
  inspectorToken: {
    type: "http",
    scheme: "bearer",
    description: "INSPECTOR_TOKEN: read-only — list and read deliveries. Anything else answers 403 forbidden.",
  },
  webhookToken: {
    type: "apiKey",
    in: "query",
    name: "token",
    description:
      "The token in the webhook URL: minted by the relay for each run or cron it starts (never shown to callers), or a static WEBHOOK_TOKEN for runs wired by hand.",
  },
  slackSignature: {
    type: "apiKey",
    in: "header",
    name: "X-Slack-Signature",
    description: "Slack's v0 request signature (with X-Slack-Request-Timestamp), verified with SLACK_SIGNING_SECRET.",
  },
  resumeLink: {
    type: "apiKey",
    in: "query",
    name: "token",
    description: "The signed, expiring, one-time reference in a forwarded run.paused's resume_url: it names one pause and holds no token of the relay.",
  },
  cronSecret: {
    type: "http",
    scheme: "bearer",
    description: "CRON_SECRET: what Vercel Cron sends to /api/sweep by itself when the variable is set (TRIGGER_TOKEN is accepted there too).",
  },
  webhookBearer: {
    type: "http",
    scheme: "bearer",
    description: "A static WEBHOOK_TOKEN as `Authorization: Bearer` (LangGraph's webhooks.headers).",
  },
} as const;

/** Operation security: any one of the listed schemes. */
export const FULL_ACCESS = [{ triggerToken: [] }];
export const READ_ACCESS = [{ triggerToken: [] }, { inspectorToken: [] }];
export const SWEEP_ACCESS = [{ cronSecret: [] }, { triggerToken: [] }];
export const WEBHOOK_ACCESS = [{ webhookToken: [] }, { webhookBearer: [] }];
