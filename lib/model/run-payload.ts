// The body LangGraph posts when a run ends: the Run object plus run_started_at, run_ended_at,
// webhook_sent_at, values and error. There is no signature and no event type. The schema checks only
// what the relay relies on and keeps every other field, because servers differ (JS vs Python) and
// grow fields over time.
// Written with zod/mini, like the configuration: the webhook builds this schema on its cold start, before
// answering, and the classic API costs that start ~20 ms (bench/README.md). `lib/openapi` takes `.shape`.
import * as z from "zod/mini";

/** `error` is a string on the JS server and older servers, `{error, message}` on current Python ones. */
export const runErrorSchema = z.union([
  z.string(),
  z.looseObject({ error: z.optional(z.string()), message: z.optional(z.string()) }),
]);

/** LangGraph's own ids are UUIDs and graph names: a bound keeps the fields no size cap cuts small. */
const id = z.string().check(z.minLength(1), z.maxLength(256));
/** ISO times, and LangGraph's short words (`multitask_strategy`). */
const short = z.nullish(z.string().check(z.maxLength(64)));

export const runFieldsSchema = z.object({
  run_id: id,
  thread_id: id,
  assistant_id: id,
  /**
   * Known values: success, error, timeout, interrupted, rollback. Unknown ones are data, not errors —
   * but only in LangGraph's own spelling (lowercase words): `Success` or `success ` would otherwise
   * become a new event name beside a known one.
   */
  status: z.string().check(
    z.regex(/^[a-z][a-z_]{0,31}$/, { message: "must be a run status in lowercase (e.g. success, error)" }),
    // `run.paused` is the relay's own event (a success waiting on a human): no status may claim its name.
    z.refine((status) => status !== "paused", { message: "is not a status LangGraph sends" }),
  ),
  metadata: z.nullish(z.record(z.string(), z.unknown())),
  kwargs: z.nullish(z.record(z.string(), z.unknown())),
  created_at: short,
  updated_at: short,
  run_started_at: short,
  run_ended_at: short,
  webhook_sent_at: short,
  multitask_strategy: short,
  values: z.optional(z.unknown()),
  error: z.nullish(runErrorSchema),
});

/** The validated Run fields, plus every other field the server sent, kept as received. */
export type RunPayload = z.infer<typeof runFieldsSchema> & { [field: string]: unknown };

/**
 * Validates a callback body. The fields the relay relies on are checked; the original object, with
 * every other field, is what is returned — cheaper than copying unknown keys through the schema.
 */
export const runPayloadSchema = {
  safeParse(body: unknown): { success: true; data: RunPayload } | { success: false; error: z.core.$ZodError } {
    const result = runFieldsSchema.safeParse(body);
    if (!result.success) return { success: false, error: result.error };
    return { success: true, data: body as RunPayload };
  },
  parse(body: unknown): RunPayload {
    const result = runPayloadSchema.safeParse(body);
    if (!result.success) throw result.error;
    return result.data;
  },
};
export type RunError = z.infer<typeof runErrorSchema>;


// The zod-free readers live in run-fields.ts (loaded by every request); re-exported for the others.
export { graphIdOf, RUN_STATUSES, runErrorMessage } from "./run-fields.js";

// Redaction lives in redaction.ts; re-exported so the payload's importers keep one import.
export { REDACTED, redactPayload, redactUrl } from "./redaction.js";
