// What a request to /api/crons may say, as zod schemas (lib/openapi publishes them as they are):
//
//   GET    /api/crons[?assistant_id&thread_id&enabled&limit&offset]   the crons this relay created
//   GET    /api/crons?cron_id=…                                      one of them
//   PATCH  /api/crons?cron_id=…   {schedule, timezone, end_time, …}  change it
//   POST   /api/crons?cron_id=…&action=pause|resume                  `enabled` false / true, one word
//   DELETE /api/crons?cron_id=…                                      delete it, revoking its token
//
// Strict like the trigger body: an unknown field or parameter is a typo the caller wants to hear about.
import * as z from "zod";
import { badRequest } from "../shared/errors.js";
import { describeIssues } from "../shared/zod-issues.js";
import { TRIGGER_STREAM_MODES } from "./request.js";
import { endTimeSchema, scheduleSchema, timezoneSchema } from "./schedule.js";

const guid = (name: string) => z.guid({ message: `${name} must be a UUID` }).toLowerCase();

/** @default page size of the list */
export const DEFAULT_CRON_LIMIT = 10;
export const MAX_CRON_LIMIT = 1000;

export const cronListQuerySchema = z.strictObject({
  assistant_id: z.string().trim().min(1).max(256).optional().meta({ description: "Only the crons of this assistant (or graph id)." }),
  thread_id: guid("thread_id").optional().meta({ description: "Only the crons of this thread." }),
  enabled: z
    .enum(["true", "false"], { message: 'enabled must be "true" or "false"' })
    .optional()
    .meta({ description: "Only running (true) or paused (false) crons." }),
  limit: z.coerce.number().int().min(1).max(MAX_CRON_LIMIT).default(DEFAULT_CRON_LIMIT),
  offset: z.coerce.number().int().min(0).default(0).meta({ description: "Where to start in LangGraph's list: 0, then the next_offset of the previous page." }),
});
export type CronListQuery = z.output<typeof cronListQuerySchema>;

export const cronIdQuerySchema = z.strictObject({ cron_id: guid("cron_id") });

export const CRON_ACTIONS = ["pause", "resume"] as const;
export type CronAction = (typeof CRON_ACTIONS)[number];

export const cronActionQuerySchema = z.strictObject({
  cron_id: guid("cron_id"),
  action: z.enum(CRON_ACTIONS, { message: 'action must be "pause" or "resume"' }).meta({
    description: "pause: the cron stops starting runs (enabled false) until resumed; resume: it starts them again.",
  }),
});

/**
 * PATCH: what may change. The webhook is the relay's and is never sent, so the cron keeps its token;
 * `end_time: null` clears the end; `metadata` is merged into the cron's by LangGraph.
 */
export const cronUpdateBodySchema = z
  .strictObject({
    schedule: scheduleSchema.optional(),
    timezone: timezoneSchema.optional(),
    end_time: endTimeSchema.nullable().optional().meta({ description: "When the cron stops, in the future; null clears it (runs forever)." }),
    enabled: z.boolean().optional().meta({ description: "false pauses the cron, true resumes it (as action=pause|resume)." }),
    input: z.record(z.string(), z.unknown()).optional().meta({ description: "The input of the runs it starts from now on." }),
    metadata: z.record(z.string(), z.unknown()).optional().meta({ description: "Merged into the cron's metadata by LangGraph." }),
    config: z.record(z.string(), z.unknown()).optional().meta({ description: "The config of the runs it starts from now on." }),
    context: z.unknown().optional(),
    stream_mode: z.union([z.enum(TRIGGER_STREAM_MODES), z.array(z.enum(TRIGGER_STREAM_MODES)).min(1)]).optional(),
    on_completion: z.enum(["delete", "keep"]).optional().meta({
      description: "Stateless crons only: delete each run's temporary thread when it is done, or keep it (LangGraph's on_run_completed).",
    }),
    route: z.string().trim().min(1).max(128).optional().meta({ description: "The named route that handles the callbacks of its runs from now on." }),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "names nothing to change" })
  // The refine is invisible to JSON Schema: the document says it this way.
  .meta({ minProperties: 1 });
export type CronUpdate = z.output<typeof cronUpdateBodySchema>;

/** Validates a PATCH body; 400 `invalid_body` naming each bad field. */
export function parseCronUpdate(body: unknown): CronUpdate {
  const parsed = cronUpdateBodySchema.safeParse(body);
  if (!parsed.success) throw badRequest("invalid_body", `Invalid cron update: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

/** Reads a query against one of the schemas above; 400 `invalid_request` naming each bad parameter. */
export function parseCronQuery<T extends z.ZodType>(params: URLSearchParams, schema: T): z.output<T> {
  const raw: Record<string, string> = {};
  for (const [name, value] of params) {
    if (Object.hasOwn(raw, name)) throw badRequest("invalid_request", `Query parameter ${JSON.stringify(name.slice(0, 40))} is given more than once.`);
    raw[name] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw badRequest("invalid_request", `Invalid query: ${describeIssues(parsed.error, { root: "query" })}.`);
  return parsed.data;
}
