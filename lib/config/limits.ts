// Time limits of the functions, in the one place they are written: the build (scripts/bundle-functions.mjs)
// puts each into its function's .vc-config.json as Vercel's `maxDuration`, and fails for an api/ file
// without one (test/unit/limits.test.ts too). Everything else derives from these: the routing budget,
// replay's budget, how long `wait` and `stream` may run, the crons' SDK timeouts.

/** Each function's `maxDuration` on Vercel, in seconds (vercel.json cannot hold them beside its `builds`). */
export const MAX_DURATION_SECONDS = {
  "api/webhook.ts": 60,
  "api/trigger.ts": 300,
  "api/crons.ts": 30,
  "api/deliveries.ts": 60,
  "api/openapi.ts": 10,
  "api/sweep.ts": 60,
  // Resuming starts a run through the SDK (bounded retries), after Slack's answer: the webhook's limit.
  "api/slack.ts": 60,
  "api/resume.ts": 60,
} as const;

const ms = (file: keyof typeof MAX_DURATION_SECONDS): number => MAX_DURATION_SECONDS[file] * 1000;

/** Time kept back at the end of a function to record the outcome and answer before Vercel cuts it. */
export const BUDGET_MARGIN_MS = 8_000;

/** The webhook function's maxDuration: a delivery's routing (retries included) ends inside it. */
export const WEBHOOK_MAX_DURATION_MS = ms("api/webhook.ts");
/** What a delivery's actions may take after the acknowledgement, waits and retries included. */
export const DISPATCH_BUDGET_MS = WEBHOOK_MAX_DURATION_MS - BUDGET_MARGIN_MS;

/** What one sweep may take (api/sweep.ts), the margin kept to answer: due attempts, stranded deliveries, reconciliation. */
export const SWEEP_BUDGET_MS = ms("api/sweep.ts") - BUDGET_MARGIN_MS;

/** api/deliveries.ts has the webhook's limit, so a replay gets the same budget as the first routing. */
export const REPLAY_BUDGET_MS = Math.min(DISPATCH_BUDGET_MS, ms("api/deliveries.ts") - BUDGET_MARGIN_MS);

/**
 * How long `wait` waits for the run, and how long `stream` relays it: the answer (or the end of the
 * stream) must leave before Vercel cuts api/trigger.ts. The run itself goes on either way
 * (`on_disconnect: continue`) and its webhook still fires.
 */
export const STREAM_TIMEOUT_MS = ms("api/trigger.ts") - 15_000;
export const WAIT_TIMEOUT_MS = ms("api/trigger.ts") - 20_000;

/** api/crons.ts: one SDK attempt of a third of the limit and one retry, with time left to answer. */
export const CRONS_CLIENT_OPTIONS = { timeoutMs: ms("api/crons.ts") / 3, maxRetries: 1 } as const;
