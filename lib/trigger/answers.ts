// What /api/trigger and /api/crons answer, as zod schemas: the types the code returns are derived from
// them (or checked against them at compile time), and lib/openapi turns them into the published
// document, so the document cannot describe an answer the code does not give.
import * as z from "zod";
import type { StartedRun } from "../runtime/run-starter.js";

const uuid = z.string().meta({ format: "uuid" });

/** 202 of mode `create` (and what `startRun` returns to the chain action). */
export const startedRunSchema = z
  .object({
    run_id: uuid,
    thread_id: uuid.nullable().meta({ description: "The run's thread; for a stateless run, the temporary thread LangGraph made." }),
    assistant_id: z.string().meta({ description: "As LangGraph resolved it (a graph id becomes its default assistant's UUID)." }),
    status: z.string().meta({ examples: ["pending"] }),
  })
  .meta({ description: "A run started in the background; its callback arrives at /api/webhook when it ends." });

/** 200 of mode `wait`. */
export const waitedRunSchema = z
  .object({
    run_id: uuid.nullable().meta({ description: "Null only when the deployment did not say (older servers)." }),
    thread_id: uuid.nullable().meta({ description: "Null for a stateless run: its thread was temporary." }),
    values: z.unknown().meta({ description: "The run's final state values." }),
  })
  ;
export type WaitedRun = z.output<typeof waitedRunSchema>;

/** 201 of mode `cron`. */
export const createdCronSchema = z
  .object({
    cron_id: uuid,
    schedule: z.string(),
    next_run_date: z.string().nullable(),
    thread_id: uuid.optional().meta({ description: "Set for a thread cron." }),
  })
  ;
export type CreatedCron = z.output<typeof createdCronSchema>;

/**
 * A cron as LangGraph keeps it, its webhook token removed (the payload is redacted like a delivery's).
 * Loose: LangGraph's servers add fields over time, and the relay passes them on.
 */
export const cronSchema = z
  .looseObject({
    cron_id: uuid,
    assistant_id: z.string(),
    thread_id: uuid.nullish().meta({ description: "Set for a thread cron; null for a stateless one (a new thread per run)." }),
    schedule: z.string(),
    timezone: z.string().nullish(),
    end_time: z.string().nullish(),
    enabled: z.boolean().optional().meta({ description: "False while paused." }),
    on_run_completed: z.enum(["delete", "keep"]).nullish(),
    next_run_date: z.string().nullish(),
    created_at: z.string(),
    updated_at: z.string(),
    payload: z.record(z.string(), z.unknown()).meta({ description: "What each run is started with; its webhook URL has the token removed." }),
    metadata: z.record(z.string(), z.unknown()).nullish(),
    user_id: z.string().nullish(),
    revoked: z.literal(true).optional().meta({
      description:
        "Present when the cron's token is revoked but the cron still exists (its delete failed after the revoke): its runs' callbacks are rejected. Retry the delete; PATCH and resume answer 409.",
    }),
  })
  ;
export type CronView = z.output<typeof cronSchema>;

export const cronListSchema = z
  .object({
    crons: z.array(cronSchema),
    limit: z.number().int(),
    offset: z.number().int(),
    next_offset: z.number().int().nullable().meta({
      description: "Where the next page starts (pass it as offset), or null after the last page. A page may hold fewer than limit crons.",
    }),
  })
  ;
export type CronList = z.output<typeof cronListSchema>;

export const cronAnswerSchema = z.object({ cron: cronSchema });

export const cronDeletedSchema = z.object({ ok: z.literal(true), cron_id: uuid });

/** Compile-time: the chain action's StartedRun is exactly the documented 202. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const STARTED_RUN_IS_DOCUMENTED: Same<StartedRun, z.output<typeof startedRunSchema>> = true;
