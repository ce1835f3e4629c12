// Every endpoint of the relay as an OpenAPI operation: its auth, its query and body (the schemas the
// handler validates with), its answers and the errors it can give, each in the pinned shape.
import { detailSchema, listSchema, redriveSchema, replaySchema } from "../inspector/query.js";
import { statsSchema } from "../inspector/stats.js";
import { cronActionQuerySchema, cronIdQuerySchema, cronListQuerySchema } from "../trigger/cron-requests.js";
import { FULL_ACCESS, READ_ACCESS, SWEEP_ACCESS, WEBHOOK_ACCESS, type SchemaName } from "./components.js";
import { cronUpdateExamples, triggerExamples, webhookExamples, type Example } from "./examples.js";
import { componentRef, mergedParameters, queryParameters, type JsonSchema } from "./json-schema.js";
import { resumeQuerySchema } from "../hitl/answer.js";
import { RESUME_ERRORS, resumeOperation, slackOperation } from "./hitl.js";

type Responses = Record<string, JsonSchema>;

const json = (schema: JsonSchema) => ({ "application/json": { schema } });

const answer = (description: string, name: SchemaName, headers?: Record<string, JsonSchema>): JsonSchema => ({
  description,
  content: json(componentRef(name)),
  ...(headers === undefined ? {} : { headers }),
});

/** An error answer: the pinned shape, and when it is given. */
const failure = (description: string): JsonSchema => ({ description, content: json(componentRef("Error")) });

/** What every operation may answer besides its own: a wrong method, a bug or a missing variable. */
const COMMON_ERRORS: Responses = {
  "405": failure("method_not_allowed: another method (the Allow header lists the right ones)."),
  "500": failure("not_configured (a variable is missing; to a caller without a valid token this is a 401) or internal_error."),
};

const AUTH_ERRORS: Responses = {
  "400": failure("invalid_request: the Authorization header is not `Bearer <token>`, or a query parameter is wrong (the message names it)."),
  "401": failure("unauthorized: no token, or a wrong one."),
  "403": failure("forbidden: a read-only INSPECTOR_TOKEN where TRIGGER_TOKEN is needed."),
};

const UPSTREAM_ERRORS: Responses = {
  "404": failure("langgraph_rejected: LangGraph does not know the assistant, thread or cron (its own status and message passed on)."),
  "422": failure("langgraph_rejected: LangGraph refused the request (busy thread, invalid input)."),
  "502": failure("upstream_error: LangGraph failed, is unreachable, or refused the relay's LANGSMITH_API_KEY."),
  "503": failure("store_unavailable: the run ledger or idempotency store (Redis) is unavailable; nothing was done."),
};

const NOT_IMPLEMENTED = failure(
  "not_implemented: the LangGraph server has no crons (the local server of `npm run dev`): crons need a LangGraph Platform deployment. The request was valid.",
);

/** Another's cron and none at all answer alike, so a caller cannot probe the deployment's crons. */
const CRON_NOT_FOUND = failure(
  "not_found: not one of this relay's crons — unknown, deleted, or created elsewhere (another relay, a preview deployment, LangSmith): the same answer for each.",
);

const REVOKED_CONFLICT = failure(
  "conflict: the cron's token is revoked (a delete failed after revoking it; the cron answers revoked: true): retry the delete.",
);

const examplesOf = (examples: Record<string, Example<unknown>>) => ({ examples });

const RUN_ID_HEADERS = {
  "x-run-id": { description: "The run's id.", schema: { type: "string" } },
  "x-thread-id": { description: "The run's thread, when it has one.", schema: { type: "string" } },
};

const trigger = {
  post: {
    operationId: "trigger",
    summary: "Start a run (create, wait, stream) or a cron",
    description:
      "The relay sets each run's webhook itself: this deployment's /api/webhook with a token only it can mint, so the run's callback is recorded, confirmed and routed. Unknown fields and combinations LangGraph would ignore are refused with 400 naming the field.",
    tags: ["runs"],
    security: FULL_ACCESS,
    parameters: [
      {
        name: "Idempotency-Key",
        in: "header",
        required: false,
        description: "create and cron: a retry with the same key within 24 hours answers the first answer (idempotent-replayed: true) and starts nothing.",
        schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7e]+$" },
      },
    ],
    requestBody: { required: true, content: { "application/json": { schema: componentRef("TriggerRequest"), ...examplesOf(triggerExamples) } } },
    responses: {
      "200": {
        description: "wait: the run's final values. stream: its parts as server-sent events (`event:` and `data: <json>`; the first is LangGraph's metadata with the run_id; an `error` event ends a stream the relay had to stop).",
        headers: RUN_ID_HEADERS,
        content: { ...json(componentRef("WaitedRun")), "text/event-stream": { schema: { type: "string" } } },
      },
      "201": answer("cron: created.", "CreatedCron", { "idempotent-replayed": { description: "true on the replay of a first answer.", schema: { type: "string" } } }),
      "202": answer("create: started; its callback arrives at /api/webhook when it ends.", "StartedRun", {
        "idempotent-replayed": { description: "true on the replay of a first answer.", schema: { type: "string" } },
      }),
      ...AUTH_ERRORS,
      "400": failure("invalid_json, invalid_body (the message names each bad field: a schedule, a time zone…) or invalid_request (a header)."),
      ...UPSTREAM_ERRORS,
      "409": failure("conflict: a request with the same Idempotency-Key is still going, or never stored its answer."),
      "413": failure("payload_too_large: the body is over 1 MiB."),
      "501": NOT_IMPLEMENTED,
      "502": failure("upstream_error (LangGraph failed or is unreachable) or run_failed (a wait run ended in error; x-run-id says which)."),
      "504": failure("upstream_timeout: a wait run still going when the function's time was nearly up; it goes on, and its webhook will fire."),
      ...COMMON_ERRORS,
    },
  },
};

const cronIdParameter = queryParameters(cronIdQuerySchema);

const crons = {
  get: {
    operationId: "getCrons",
    summary: "List the crons this relay created, or read one (cron_id)",
    description:
      "LangGraph lists every cron of the deployment; the relay answers only its own (those whose webhook carries a cron token it minted). Follow next_offset until it is null: a page may hold fewer than limit crons. With cron_id (alone): that cron, or 404.",
    tags: ["crons"],
    security: FULL_ACCESS,
    parameters: mergedParameters(queryParameters(cronListQuerySchema), queryParameters(cronIdQuerySchema, { cron_id: "Read this cron (give it alone)." })),
    responses: {
      "200": { description: "The list, or {cron} for a cron_id.", content: json({ oneOf: [componentRef("CronList"), componentRef("CronAnswer")] }) },
      ...AUTH_ERRORS,
      ...UPSTREAM_ERRORS,
      "404": CRON_NOT_FOUND,
      "501": NOT_IMPLEMENTED,
      ...COMMON_ERRORS,
    },
  },
  patch: {
    operationId: "updateCron",
    summary: "Change a cron: schedule, time zone, end, input, metadata, route, enabled…",
    description:
      "The webhook is the relay's and is never changed: the cron keeps its token. Schedule, time zone and end_time (in the future) are checked before LangGraph is called; an empty body is refused. A cron whose token is revoked answers 409.",
    tags: ["crons"],
    security: FULL_ACCESS,
    parameters: cronIdParameter,
    requestBody: { required: true, content: { "application/json": { schema: componentRef("CronUpdate"), ...examplesOf(cronUpdateExamples) } } },
    responses: {
      "200": answer("The cron as it is now.", "CronAnswer"),
      ...AUTH_ERRORS,
      "400": failure("invalid_json, invalid_body (the message names the field) or invalid_request (cron_id)."),
      ...UPSTREAM_ERRORS,
      "404": CRON_NOT_FOUND,
      "409": REVOKED_CONFLICT,
      "413": failure("payload_too_large: the body is over 1 MiB."),
      "501": NOT_IMPLEMENTED,
      ...COMMON_ERRORS,
    },
  },
  post: {
    operationId: "setCronState",
    summary: "Pause or resume a cron (action=pause|resume)",
    description:
      "pause sets enabled to false: the cron starts no run until resumed; resume sets it to true. The cron keeps its token. A cron whose token is revoked can be paused, not resumed (409).",
    tags: ["crons"],
    security: FULL_ACCESS,
    parameters: queryParameters(cronActionQuerySchema),
    responses: {
      "200": answer("The cron as it is now.", "CronAnswer"),
      ...AUTH_ERRORS,
      ...UPSTREAM_ERRORS,
      "404": CRON_NOT_FOUND,
      "409": REVOKED_CONFLICT,
      "501": NOT_IMPLEMENTED,
      ...COMMON_ERRORS,
    },
  },
  delete: {
    operationId: "deleteCron",
    summary: "Delete a cron, revoking its token first",
    description:
      "Only one of this relay's crons, like every other request: another's is 404. Its token is revoked before LangGraph is asked, so a later callback with it is rejected; if the delete fails, the cron answers revoked: true until a retried delete succeeds.",
    tags: ["crons"],
    security: FULL_ACCESS,
    parameters: cronIdParameter,
    responses: {
      "200": answer("Deleted.", "CronDeleted"),
      ...AUTH_ERRORS,
      ...UPSTREAM_ERRORS,
      "404": CRON_NOT_FOUND,
      "501": NOT_IMPLEMENTED,
      ...COMMON_ERRORS,
    },
  },
};

const webhook = {
  post: {
    operationId: "receiveRunCallback",
    summary: "Receive a run's callback (LangGraph calls this)",
    description:
      "Recorded once, answered, then confirmed against the run ledger and LangGraph's record of the run; only confirmed deliveries are routed. A forged callback is answered 200 too, and recorded as rejected. Any content type is read as JSON (LangGraph's JS server sends text/plain).",
    tags: ["webhook"],
    security: WEBHOOK_ACCESS,
    requestBody: {
      required: true,
      content: {
        "application/json": { schema: componentRef("RunCallback"), ...examplesOf(webhookExamples) },
        "text/plain": { schema: componentRef("RunCallback") },
      },
    },
    responses: {
      "200": answer("Recorded (duplicate: true when this very body was recorded already).", "WebhookAck"),
      "400": failure("invalid_json or invalid_body: not JSON, or not a LangGraph Run (the message names the field)."),
      "401": failure("unauthorized: no webhook token, or a wrong, altered, expired or out-of-scope one."),
      "413": failure("payload_too_large: the body is over WEBHOOK_MAX_BYTES (4.5 MiB by default)."),
      "503": failure("store_unavailable: the delivery could not be recorded; LangGraph retries."),
      ...COMMON_ERRORS,
    },
  },
};

const deliveries = {
  get: {
    operationId: "getDeliveries",
    summary: "List recorded deliveries (newest first), or read one (id)",
    tags: ["deliveries"],
    security: READ_ACCESS,
    parameters: mergedParameters(
      queryParameters(listSchema),
      queryParameters(detailSchema, { id: "Read this delivery in full (give it alone)." }),
      queryParameters(statsSchema, { stats: "The last hour's health per minute, for the inspector's strip (give it alone)." }),
    ),
    responses: {
      "200": {
        description: "A page of summaries, {delivery} for an id, or {stats, langsmith} for stats=1.",
        content: json({ oneOf: [componentRef("DeliveryList"), componentRef("DeliveryAnswer"), componentRef("DeliveryStats")] }),
      },
      "400": AUTH_ERRORS["400"] as JsonSchema,
      "401": AUTH_ERRORS["401"] as JsonSchema,
      "404": failure("not_found: no delivery with that id (unknown, or expired)."),
      "503": failure("store_unavailable: the delivery store (Redis) is unavailable."),
      ...COMMON_ERRORS,
    },
  },
  post: {
    operationId: "replayDelivery",
    summary: "Replay a delivery's failed actions (or one action by name); or, with resume=1, answer a paused run",
    description:
      "replay=1 answers once the replay's attempts are done, retries included. resume=1 (with a ResumeRequest body) answers a run.paused delivery once, whatever the channel, and resumes its thread: 202 with the new run.",
    tags: ["deliveries"],
    security: FULL_ACCESS,
    parameters: mergedParameters(
      queryParameters(replaySchema),
      queryParameters(redriveSchema, { action_state: "Without id: redrive every dead action of the deliveries matching route, event and since (at most 100 per request)." }),
      queryParameters(resumeQuerySchema, { resume: "Answer the paused delivery with the body instead of replaying." }),
    ),
    requestBody: { required: false, content: json(componentRef("ResumeRequest")) },
    responses: {
      "200": answer("The delivery after the replay, and what the replay did.", "ReplayAnswer"),
      "202": {
        description: "resume=1: the thread is resumed; the delivery with its decisions. A redrive (no id): the dead actions made due again.",
        content: json({ oneOf: [componentRef("InspectorResumed"), componentRef("RedriveAnswer")] }),
      },
      ...AUTH_ERRORS,
      ...RESUME_ERRORS,
      "404": failure("not_found: no such delivery, or no such action."),
      "409": failure("conflict: the delivery's first routing is still running (replay); already_decided: the pause was answered or the thread moved on (resume)."),
      "503": failure("store_unavailable: the delivery store (Redis) is unavailable."),
      ...COMMON_ERRORS,
    },
  },
};

const sweep = {
  get: {
    operationId: "sweep",
    summary: "Run due retries, stranded deliveries and reconciliation (Vercel Cron's target)",
    description:
      "Runs, within its own time, every attempt that is due, every attempt whose lease ran out, every delivery whose routing never finished, then the sweep's steps (reconciliation of lost callbacks, unanswered pauses). POST does the same.",
    tags: ["sweep"],
    security: SWEEP_ACCESS,
    responses: {
      "200": answer("What the sweep did.", "SweepAnswer"),
      "400": AUTH_ERRORS["400"] as JsonSchema,
      "401": failure("unauthorized: no token, or a wrong one (and with neither CRON_SECRET nor TRIGGER_TOKEN set, every request)."),
      ...COMMON_ERRORS,
    },
  },
};

const openapi = {
  get: {
    operationId: "getOpenApi",
    summary: "This document",
    description: "Generated from the schemas the handlers validate with. Served without auth: it describes shapes, and holds no secret.",
    tags: ["meta"],
    security: [],
    responses: { "200": { description: "The OpenAPI 3.1 document.", content: json({ type: "object" }) }, ...COMMON_ERRORS },
  },
};

export const PATHS = {
  "/api/trigger": trigger,
  "/api/crons": crons,
  "/api/webhook": webhook,
  "/api/deliveries": deliveries,
  "/api/openapi.json": openapi,
  "/api/sweep": { get: sweep.get, post: { ...sweep.get, operationId: "sweepPost" } },
  "/api/slack": slackOperation,
  "/api/resume": resumeOperation,
} as const;
