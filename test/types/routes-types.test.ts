// The routes file's types, checked by `tsc --noEmit -p tsconfig.json` (which covers test/): an
// unknown event name is a type error, handlers see their event narrowed (`event.error` is a string on
// run.error, `event.interrupts` exists on run.paused), and "*" hands out every event. The runtime
// assertions check that the docs' routes.ts example (docs/routing.md) loads.
import { describe, expect, expectTypeOf, it } from "vitest";
import type { ActionContext, RunErrorEvent, RunEvent, RunPausedEvent, RunSuccessEvent } from "../../lib/routing/index.js";
import { chain, custom, defineRoutes, forward, slack } from "../../lib/routing/index.js";
import { router as shippedRouter } from "../../routes.js";

describe("routes file types", () => {
  it("narrows each handler's event by the route's `on`", () => {
    const router = defineRoutes([
      {
        on: "run.error",
        actions: [
          custom({
            name: "page",
            handler: (event) => {
              expectTypeOf(event).toEqualTypeOf<RunErrorEvent>();
              expectTypeOf(event.error).toEqualTypeOf<string>();
            },
          }),
        ],
      },
      {
        on: "run.paused",
        actions: [
          custom({
            name: "ask",
            handler: (event) => {
              expectTypeOf(event).toEqualTypeOf<RunPausedEvent>();
              expectTypeOf(event.interrupts[0]?.value).toEqualTypeOf<unknown>();
            },
          }),
        ],
      },
      {
        on: "run.success",
        actions: [
          chain({
            assistant_id: "agent",
            input: (event) => {
              expectTypeOf(event).toEqualTypeOf<RunSuccessEvent>();
              return { messages: [{ role: "user", content: String(event.values) }] };
            },
          }),
        ],
      },
      {
        on: "*",
        actions: [
          custom({
            name: "everything",
            handler: (event, context) => {
              expectTypeOf(event).toEqualTypeOf<RunEvent>();
              // Under "*" the error is there when the payload has one.
              expectTypeOf(event.error).toEqualTypeOf<string | undefined>();
              expectTypeOf(context).toEqualTypeOf<ActionContext>();
              // @ts-expect-error user code gets fetch, log and the clock, never the runtime and its secrets
              void context.runtime;
            },
          }),
        ],
      },
      { on: ["run.error", "run.timeout"], actions: [slack({ name: "alerts", url: undefined })] },
    ]);
    expect(router.routes).toHaveLength(5);
  });

  it("rejects unknown event names and handlers for the wrong event at compile time", () => {
    expect(() =>
      defineRoutes([
        // @ts-expect-error "run.sucess" is not an event
        { on: "run.sucess", actions: [custom({ name: "typo", handler: () => undefined })] },
      ]),
    ).toThrow(/unknown event "run.sucess"/);
    expect(() =>
      defineRoutes([
        // @ts-expect-error statuses LangGraph may add later are caught with "*", not by name
        { on: "run.some_future_status", actions: [custom({ name: "future", handler: () => undefined })] },
      ]),
    ).toThrow(/unknown event/);
    const pausedOnly = custom({ name: "paused-only", handler: (event: RunPausedEvent) => void event.interrupts });
    // @ts-expect-error a handler that needs run.paused cannot sit on a route for every event
    defineRoutes([{ on: "*", actions: [pausedOnly] }]);
    // @ts-expect-error forward needs its url and secret spelled out (undefined is allowed: fails closed)
    forward({ url: "https://example.com/hook" });
    expect(() =>
      // @ts-expect-error custom takes one options object, like the other actions
      custom("positional", () => undefined),
    ).toThrow(/custom\(\) takes one options object/);
  });

  it("ships routes.ts with a router and no routes", () => {
    expect(shippedRouter.routes).toEqual([]);
  });

  it("loads the README example", () => {
    const router = defineRoutes([
      // Ask for approval on Slack when a run of the `hitl` graph waits in interrupt().
      { on: "run.paused", graph_id: "hitl", actions: [slack({ name: "approvals", url: process.env["APPROVALS_SLACK_URL"] })] },
      // Forward one tenant's runs to its own endpoint, signed with its own secret.
      {
        on: "*",
        metadata: { tenant: "acme" },
        actions: [forward({ name: "acme", url: "https://acme.example/hooks/langgraph", secret: process.env["ACME_FORWARD_SECRET"] })],
      },
      // When a research run succeeds, start the writer on its output: a pipeline of agents.
      {
        on: "run.success",
        graph_id: "researcher",
        actions: [chain({ name: "write-up", assistant_id: "writer", input: (event) => ({ notes: event.values }) })],
      },
      // Your own code. `event.error` is a string here.
      {
        on: "run.error",
        actions: [
          custom({
            name: "open-ticket",
            handler: async (event, context) => {
              await context.fetch("https://tickets.example/api", {
                method: "POST",
                body: JSON.stringify({ title: `Run ${event.run_id} failed`, body: event.error }),
                signal: context.signal,
              });
            },
          }),
        ],
      },
      // Only runs started with {"route": "nightly"} come here (and skip the unnamed routes).
      { name: "nightly", on: "run.success", actions: [custom({ name: "report", handler: (event) => console.log(event.values) })] },
    ]);
    expect(router.routes).toHaveLength(5);
  });
});
