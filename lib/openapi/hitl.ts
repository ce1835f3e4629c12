// The human-in-the-loop endpoints as OpenAPI operations — POST /api/slack (Slack's interactivity
// requests) and POST /api/resume (a forwarded run.paused's resume_url) — and the answer schemas of
// resuming, including the inspector's POST /api/deliveries?id=…&resume=1 (paths.ts adds that form to
// the deliveries POST). Bodies and queries are the zod schemas lib/hitl validates with.
import * as z from "zod";
import { resumeLinkQuerySchema } from "../hitl/answer.js";
import { deliveryDetailSchema } from "./deliveries.js";
import { componentRef, queryParameters, type JsonSchema } from "./json-schema.js";

const json = (schema: JsonSchema) => ({ "application/json": { schema } });
const failure = (description: string): JsonSchema => ({ description, content: json(componentRef("Error")) });
const COMMON_ERRORS = {
  "405": failure("method_not_allowed: another method (the Allow header lists the right ones)."),
  "500": failure("internal_error (a missing variable is answered 401 here: these callers present no credential of the relay's)."),
};

/** 202 of POST /api/resume. */
export const resumedSchema = z.object({
  run_id: z.string().meta({ description: "The resumed run (its end comes back to /api/webhook)." }),
  thread_id: z.string(),
  delivery_id: z.string().meta({ description: "The paused delivery that was answered." }),
});

/** 202 of POST /api/deliveries?id=…&resume=1. */
export const inspectorResumedSchema = z.object({
  run_id: z.string(),
  thread_id: z.string(),
  delivery: deliveryDetailSchema.nullable().meta({ description: "The paused delivery, its decisions included." }),
});

export const RESUME_ERRORS = {
  "404": failure("not_found: no such delivery (unknown, or expired)."),
  "409": failure("already_decided: the pause was answered already (by any channel), or the thread moved on; nothing was resumed."),
  "502": failure("upstream_error: LangGraph failed; nothing was decided, answer again."),
  "503": failure("store_unavailable: the delivery or decision store (Redis) is unavailable."),
};

export const slackOperation = {
  post: {
    operationId: "slackInteraction",
    summary: "Slack's interactivity requests: Approve / Reject on run.paused messages",
    description:
      "Set as the Slack app's Interactivity Request URL. Verified with SLACK_SIGNING_SECRET (v0 signature over the raw body, timestamp within 5 minutes); answered 200 at once, then the pause is answered once, the thread resumed, and the message rewritten through Slack's response_url (https://hooks.slack.com only).",
    tags: ["human in the loop"],
    security: [{ slackSignature: [] }],
    requestBody: { required: true, content: { "application/x-www-form-urlencoded": { schema: componentRef("SlackInteraction") } } },
    responses: {
      "200": { description: "Acknowledged (the decision and the message update follow)." },
      "400": failure("invalid_body / invalid_json: not a form with a JSON payload, a button without a value, or a response_url that is not Slack's."),
      "401": failure("unauthorized: a missing, stale or wrong signature, a tampered button value, or SLACK_SIGNING_SECRET unset."),
      "413": failure("payload_too_large: over 256 KiB."),
      ...COMMON_ERRORS,
    },
  },
};

export const resumeOperation = {
  post: {
    operationId: "resumePausedRun",
    summary: "Resume a paused run with its one-time resume_url",
    description:
      "The resume_url a forwarded run.paused carries: signed with a key derived from WEBHOOK_SECRET, expiring after RESUME_LINK_TTL, one answer per pause whatever the channel.",
    tags: ["human in the loop"],
    security: [{ resumeLink: [] }],
    parameters: queryParameters(resumeLinkQuerySchema),
    requestBody: { required: true, content: json(componentRef("ResumeRequest")) },
    responses: {
      "202": { description: "The thread is resumed.", content: json(componentRef("Resumed")) },
      "400": failure("invalid_json / invalid_body: not {resume} or {decision}; invalid_request: the delivery is not paused."),
      "401": failure("unauthorized: a missing or tampered link; expired: the link's time is over."),
      "413": failure("payload_too_large: over 256 KiB."),
      ...RESUME_ERRORS,
      ...COMMON_ERRORS,
    },
  },
};
