// The body of POST /api/trigger: snake_case like LangGraph's REST API, strict (an unknown field is a
// typo the caller wants to hear about, not something to drop silently), and refusing combinations
// LangGraph would silently ignore. `parseTriggerBody` is the one way in, for HTTP and for the router.
import type { StreamMode } from "@langchain/langgraph-sdk";
import * as z from "zod";
import { RelayError } from "../shared/errors.js";
import { describeIssues } from "../shared/zod-issues.js";
import { endTimeSchema, scheduleSchema, timezoneSchema } from "./schedule.js";

export const TRIGGER_MODES = ["create", "wait", "stream", "cron"] as const;
export type TriggerMode = (typeof TRIGGER_MODES)[number];

/** The stream modes LangGraph's run endpoints accept. */
export const TRIGGER_STREAM_MODES = [
  "values",
  "messages",
  "messages-tuple",
  "updates",
  "events",
  "tasks",
  "checkpoints",
  "debug",
  "custom",
  "tools",
] as const satisfies readonly StreamMode[];

const streamModeSchema = z.enum(TRIGGER_STREAM_MODES);
const sendSchema = z.strictObject({ node: z.string().min(1), input: z.unknown().nullable() });

/** LangGraph's Command: resume an interrupt, update the state, go to a node. */
const commandSchema = z.strictObject({
  update: z.union([z.record(z.string(), z.unknown()), z.array(z.tuple([z.string(), z.unknown()]))]).nullable().optional(),
  resume: z.unknown().optional(),
  goto: z.union([z.string(), sendSchema, z.array(z.string()), z.array(sendSchema)]).optional(),
});

/** A run's config; LangGraph validates the rest, so other keys pass through. */
const configSchema = z.looseObject({
  tags: z.array(z.string()).optional(),
  recursion_limit: z.number().int().positive().optional(),
  configurable: z.record(z.string(), z.unknown()).optional(),
});

/** Thread ids are UUIDs; lower-cased so the id the token is bound to is the one LangGraph reports. */
const threadIdSchema = z.union([z.literal("new"), z.guid({ message: 'must be "new" or a thread UUID' }).toLowerCase()]);

const bodyObject = z.strictObject({
  mode: z.enum(TRIGGER_MODES).default("create").meta({
    description:
      "`create`: start in the background, answer 202 at once. `wait`: answer 200 with the run's final values. `stream`: relay the run as server-sent events. `cron`: schedule runs (201).",
  }),
  assistant_id: z.string().trim().min(1).max(256).meta({ description: "An assistant id, or a graph id (its default assistant).", examples: ["agent"] }),
  thread_id: threadIdSchema.nullable().optional().meta({
    description: 'Omitted or null: a stateless run (a temporary thread). "new": a new thread, created first. A UUID: that thread.',
  }),
  input: z.record(z.string(), z.unknown()).nullable().optional().meta({ description: "The graph's input.", examples: [{ messages: [{ role: "user", content: "Hello!" }] }] }),
  command: commandSchema.optional().meta({ description: "A LangGraph Command: resume an interrupt, update the state, go to a node. Not for crons." }),
  config: configSchema.optional().meta({ description: "The run's config (tags, recursion_limit, configurable)." }),
  context: z.unknown().optional().meta({ description: "The run's static context." }),
  metadata: z.record(z.string(), z.unknown()).optional().meta({ description: "The run's metadata." }),
  stream_mode: z.union([streamModeSchema, z.array(streamModeSchema).min(1)]).optional().meta({ description: "For create, stream and cron: a stream mode or a list." }),
  multitask_strategy: z.enum(["reject", "interrupt", "rollback", "enqueue"]).optional().meta({ description: "What to do when the thread is busy (needs a thread_id)." }),
  after_seconds: z.number().min(0).max(365 * 86_400).optional().meta({ description: "Start the run this many seconds later. Not for crons." }),
  if_not_exists: z.enum(["create", "reject"]).optional().meta({ description: "A thread UUID that does not exist: create it, or refuse (the default)." }),
  on_completion: z.enum(["delete", "keep"]).optional().meta({
    description: "Stateless runs and crons: delete the temporary thread when the run is done (the default), or keep it.",
  }),
  schedule: scheduleSchema.optional().meta({ description: `Mode cron only (required there). ${scheduleSchema.description ?? ""}`.trim() }),
  timezone: timezoneSchema.optional().meta({ description: `Mode cron only. ${timezoneSchema.description ?? ""}`.trim() }),
  end_time: endTimeSchema.optional().meta({ description: `Mode cron only: when the cron stops (ISO 8601, with an offset, in the future).` }),
  route: z.string().trim().min(1).max(128).optional().meta({ description: "The named route (routes.ts) that handles the run's callback; stored in the run's metadata." }),
});

/**
 * Combinations LangGraph would silently ignore, or the SDK would not send, are refused: the caller
 * asked for something that would not happen.
 */
export const triggerBodySchema = bodyObject.superRefine((body, ctx) => {
  const issue = (path: keyof typeof body, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  const threaded = typeof body.thread_id === "string";
  if (body.mode === "cron") {
    if (body.schedule === undefined) issue("schedule", "is required for mode cron (a cron expression, e.g. \"0 9 * * 1\")");
    if (body.command !== undefined) issue("command", "is not supported by crons");
    if (body.after_seconds !== undefined) issue("after_seconds", "is not supported by crons");
    if (body.if_not_exists !== undefined) issue("if_not_exists", "is not supported by crons");
  } else {
    if (body.schedule !== undefined) issue("schedule", "is only used with mode cron");
    if (body.timezone !== undefined) issue("timezone", "is only used with mode cron");
    if (body.end_time !== undefined) issue("end_time", "is only used with mode cron");
  }
  if (body.mode === "wait" && body.stream_mode !== undefined) issue("stream_mode", "is not used by mode wait");
  if (threaded && body.on_completion !== undefined) issue("on_completion", "applies to stateless runs only (omit thread_id)");
  if (!threaded && body.multitask_strategy !== undefined) issue("multitask_strategy", "needs a thread_id");
  if (body.if_not_exists !== undefined && (!threaded || body.thread_id === "new")) {
    issue("if_not_exists", "needs the id of a thread");
  }
});

export type TriggerRequest = z.output<typeof triggerBodySchema>;

/** Validates a trigger body; 400 `invalid_body` naming each bad field. */
export function parseTriggerBody(body: unknown): TriggerRequest {
  const parsed = triggerBodySchema.safeParse(body);
  if (!parsed.success) {
    throw new RelayError(400, "invalid_body", `Invalid trigger request: ${describeIssues(parsed.error)}.`);
  }
  return parsed.data;
}
