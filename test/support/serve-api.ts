// Serves the api/ handlers over real HTTP on a free loopback port, the way Vercel routes them:
// `/api/<name>` → the method exports of `api/<name>.ts`. The process runtime is built from the given
// environment with PUBLIC_URL pointing at this server, so that the webhooks the trigger hands to
// LangGraph come back here, to the real /api/webhook.
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { Env } from "../../lib/config/env.js";
import { appHandler, loadFunctions } from "../../dev/serve-functions.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { freePort } from "./ports.js";
import { installTestRuntime, type TestRuntime } from "./runtime.js";

export interface ApiServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  runtime: TestRuntime;
  /** Waits for background work (routing), closes every connection and uninstalls the runtime. */
  close(): Promise<void>;
}

let app: Promise<(request: Request) => Promise<Response>> | undefined;

/** The app as `npm run dev` serves it (dev/serve-functions.ts), loaded once per test file. */
export function dispatch(request: Request): Promise<Response> {
  app ??= loadFunctions().then(appHandler);
  return app.then((handle) => handle(request));
}

/** Starts the server with TRIGGER_TOKEN, WEBHOOK_SECRET… from test/support/runtime.ts, plus `env`. */
export async function serveApi(env: Env = {}): Promise<ApiServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const runtime = installTestRuntime({ PUBLIC_URL: url, ...env });
  const server = serve({ fetch: dispatch, port, hostname: "127.0.0.1" }) as Server;
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return {
    url,
    runtime,
    async close() {
      await runtime.idle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      setRuntime(undefined);
    },
  };
}
