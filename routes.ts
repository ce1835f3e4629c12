// What happens when a run ends. Edit this file: each route says which events it handles (`on`), which
// runs (optional `assistant_id`, `graph_id`, `metadata`, or `name` for runs started with
// `route: "<name>"`), and what to do (`actions`, run concurrently with retries and a record of every
// attempt). The type checker knows the events: a typo fails `npm run typecheck`, and a handler for
// "run.error" sees `event.error` as a string.
//
// Besides these routes, the environment adds its own with no code: FORWARD_URL (+ FORWARD_SECRET)
// forwards every event, SLACK_WEBHOOK_URL posts run.error, run.timeout and run.paused.
//
// Examples:
//
//   import { chain, custom, defineRoutes, forward, slack } from "./lib/routing/index.js";
//
//   export const router = defineRoutes([
//     // Ask for approval on Slack when a run of the `hitl` graph waits in interrupt().
//     { on: "run.paused", graph_id: "hitl", actions: [slack({ name: "approvals", url: process.env["APPROVALS_SLACK_URL"] })] },
//     // Forward one tenant's runs to its own endpoint, signed with its own secret.
//     {
//       on: "*",
//       metadata: { tenant: "acme" },
//       actions: [forward({ name: "acme", url: "https://acme.example/hooks/langgraph", secret: process.env["ACME_FORWARD_SECRET"] })],
//     },
//     // When a research run succeeds, start the writer on its output: a pipeline of agents.
//     {
//       on: "run.success",
//       graph_id: "researcher",
//       actions: [chain({ name: "write-up", assistant_id: "writer", input: (event) => ({ notes: event.values }) })],
//     },
//     // Your own code. `event.error` is a string here.
//     { on: "run.error", actions: [custom({ name: "log-error", handler: (event) => console.log(event.run_id, event.error) })] },
//     // Only runs started with {"route": "nightly"} come here (and skip the unnamed routes).
//     { name: "nightly", on: "run.success", actions: [custom({ name: "report", handler: (event) => console.log(event.values) })] },
//   ]);
//
// test/types/routes-types.test.ts type-checks this example; see docs/routing.md for more.
import { defineRoutes } from "./lib/routing/index.js";

export const router = defineRoutes([]);
