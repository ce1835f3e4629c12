// The routes `npm run dev` uses while routes.ts defines none (dev/reload-hooks.mjs hands this module to
// the functions of api/ in place of routes.ts): every event is logged by a `custom` action, so that a
// delivery shows an action in the inspector and a line in the terminal, and `run.paused` is detected
// (a route for "*" asks LangGraph whether a successful run waits on a human). The route named
// `notify` is the one the HTTP examples of docs/http-api.md start runs with. As soon as routes.ts has a
// route, its router is used as written and none of these apply. Never deployed: Vercel builds api/
// with routes.ts.
import { custom, defineRoutes, type RunEvent } from "../lib/routing/index.js";
import { router as yours } from "../routes.js";

/** True when routes.ts defines no route and the routes below are used instead. */
export const usingDevRoutes = yours.routes.length === 0;

/** The names of the dev routes' actions (the banner and the docs say them). */
export const DEV_ROUTE_ACTIONS = ["dev-log", "notify"] as const;

function summary(event: RunEvent): Record<string, unknown> {
  return {
    event: event.type,
    graph_id: event.graph_id ?? event.assistant_id,
    run_id: event.run_id,
    thread_id: event.thread_id,
    ...(event.error === undefined ? {} : { error: event.error.split("\n")[0] }),
    ...(event.error !== undefined && /no checkpointer/i.test(event.error)
      ? { hint: 'this graph needs a thread (it pauses with interrupt()): start it with "thread_id": "new"' }
      : {}),
    ...(event.type === "run.paused" && "next" in event ? { waiting_on: event.next.join(",") } : {}),
  };
}

export const router = usingDevRoutes
  ? defineRoutes([
      {
        on: "*",
        actions: [custom({ name: "dev-log", handler: (event, context) => context.log.info("dev route: run ended", summary(event)) })],
      },
      {
        name: "notify",
        on: "*",
        actions: [custom({ name: "notify", handler: (event, context) => context.log.info("dev route notify: run ended", summary(event)) })],
      },
    ])
  : yours;
