// The example requests the OpenAPI document shows. Typed by the schemas they illustrate (the compiler
// refuses one that names a field the schema lacks), and sent to the real handlers by
// test/handlers/openapi.test.ts, which expects each to be accepted.
import type { z } from "zod";
import type { RunPayload } from "../model/run-payload.js";
import type { cronUpdateBodySchema } from "../trigger/cron-requests.js";
import type { triggerBodySchema } from "../trigger/request.js";

export interface Example<T> {
  summary: string;
  value: T;
}

const HELLO = { messages: [{ role: "user", content: "Hello!" }] };

export const triggerExamples = {
  create: {
    summary: "create: start in the background, on a new thread; the callback is routed to the route notify",
    value: { assistant_id: "agent", thread_id: "new", input: HELLO, route: "notify" },
  },
  wait: { summary: "wait: run and answer with the final values", value: { mode: "wait", assistant_id: "agent", input: HELLO } },
  stream: {
    summary: "stream: the run's parts as server-sent events",
    value: { mode: "stream", assistant_id: "agent", stream_mode: ["values", "updates"], input: HELLO },
  },
  cron: {
    summary: "cron: every Monday at 09:00 Paris time, a fresh thread each time, until the end of 2030",
    value: {
      mode: "cron",
      assistant_id: "agent",
      schedule: "0 9 * * 1",
      timezone: "Europe/Paris",
      end_time: "2030-12-31T23:00:00Z",
      input: { messages: [{ role: "user", content: "Weekly report" }] },
    },
  },
} satisfies Record<string, Example<z.input<typeof triggerBodySchema>>>;

export const cronUpdateExamples = {
  reschedule: { summary: "Weekdays at 08:30, New York time", value: { schedule: "30 8 * * 1-5", timezone: "America/New_York" } },
  end: { summary: "Stop after the end of June 2030", value: { end_time: "2030-06-30T23:59:00Z" } },
  forever: { summary: "Run forever again (clear the end)", value: { end_time: null } },
  input: { summary: "New input and route for the runs from now on", value: { input: { messages: [{ role: "user", content: "Daily digest" }] }, route: "digest" } },
  pause: { summary: "Pause (the same as action=pause)", value: { enabled: false } },
} satisfies Record<string, Example<z.input<typeof cronUpdateBodySchema>>>;

/** What LangGraph posts when a run ends (the JS server's shape; Python's is the same plus a few fields). */
export const webhookExamples = {
  success: {
    summary: "A run that succeeded",
    value: {
      run_id: "1f0a2b3c-0000-4000-8000-000000000001",
      thread_id: "1f0a2b3c-0000-4000-8000-0000000000aa",
      assistant_id: "fe096781-5601-53d2-b2f6-0d3403f7e9ca",
      status: "success",
      metadata: { graph_id: "agent", relay_route: "notify" },
      kwargs: { input: HELLO, webhook: "https://relay.example.com/api/webhook?token=…" },
      created_at: "2030-01-07T09:00:00.000Z",
      updated_at: "2030-01-07T09:00:03.100Z",
      run_started_at: "2030-01-07T09:00:00.020Z",
      run_ended_at: "2030-01-07T09:00:03.090Z",
      webhook_sent_at: "2030-01-07T09:00:03.100Z",
      values: { messages: [{ role: "ai", content: "Hi!" }] },
    },
  },
  error: {
    summary: "A run that failed",
    value: {
      run_id: "1f0a2b3c-0000-4000-8000-000000000002",
      thread_id: "1f0a2b3c-0000-4000-8000-0000000000aa",
      assistant_id: "agent",
      status: "error",
      error: { error: "ValueError", message: "boom" },
    },
  },
} satisfies Record<string, Example<RunPayload>>;
