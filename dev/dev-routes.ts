// The routes `npm run dev` uses while routes.ts defines none (dev/reload-hooks.mjs hands this module to
// the functions of api/ in place of routes.ts): every event is logged by a `custom` action, so that a
// delivery shows an action in the inspector and a line in the terminal, and `run.paused` is detected
// (a route for "*" asks LangGraph whether a successful run waits on a human). The route named
// `notify` is the one the HTTP examples of docs/http-api.md start runs with. As soon as routes.ts has a
// route, its router is used as written and none of these apply. Never deployed: Vercel builds api/
// with routes.ts.
import { custom, defineRoutes, type Router, type RunEvent } from "../lib/routing/index.js";

/** What routes.ts must export, said in every message about a routes.ts that does not. */
const EXPECTED = "routes.ts must export its routes as `export const router = defineRoutes([...])`";

/**
 * routes.ts's router, or why it has none usable: imported here (not statically) so that a broken
 * routes.ts (a syntax error, no `router`, a plain array) is one sentence naming the file rather than
 * a raw stack trace. At start the dev routes then serve (dev/stack.ts warns); on a reload the error
 * fails the reload (dev/functions.ts) and the functions loaded before keep serving.
 */
async function loadYours(): Promise<{ router?: Router; error?: string }> {
  let module: Record<string, unknown>;
  try {
    module = (await import("../routes.js")) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { error: `routes.ts could not be loaded (${message}); ${EXPECTED}.` };
  }
  const router = module["router"];
  if (router === undefined) {
    const others = Object.keys(module).filter((name) => name !== "default");
    return { error: `routes.ts exports no \`router\`${others.length > 0 ? ` (it exports ${others.join(", ")})` : ""}; ${EXPECTED}.` };
  }
  if (Array.isArray(router)) return { error: `routes.ts exports \`router\` as a plain array; wrap it: ${EXPECTED.replace("routes.ts must export its routes as ", "")}.` };
  const shaped = typeof router === "object" && router !== null && Array.isArray((router as { routes?: unknown }).routes) && typeof (router as { plan?: unknown }).plan === "function";
  if (!shaped) return { error: `routes.ts exports a \`router\` that is not a router (${router === null ? "null" : typeof router}); ${EXPECTED}.` };
  return { router: router as Router };
}

const loaded = await loadYours();
const yours = loaded.router;

/** Why routes.ts could not be used (one sentence naming the file and what it must export), if so. */
export const routesError: string | undefined = loaded.error;

/** True when routes.ts defines no route (or none usable) and the routes below are used instead. */
export const usingDevRoutes = yours === undefined || yours.routes.length === 0;

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
  : (yours as Router);
