// Serves the api/ handlers over real HTTP on a free loopback port, the way Vercel routes them:
// `/api/<name>` → the method exports of `api/<name>.ts`. The process runtime is built from the given
// environment with PUBLIC_URL pointing at this server, so that the webhooks the trigger hands to
// LangGraph come back here, to the real /api/webhook.
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import type { Env } from "../../lib/config.js";
import type { Handler } from "../../lib/http.js";
import { setRuntime } from "../../lib/runtime.js";
import { freePort } from "./ports.js";
import { installTestRuntime, type TestRuntime } from "./runtime.js";

export interface ApiServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  runtime: TestRuntime;
  /** Waits for background work (routing), closes every connection and uninstalls the runtime. */
  close(): Promise<void>;
}

const apiDir = fileURLToPath(new URL("../../api/", import.meta.url));
const modules = new Map<string, Promise<Record<string, unknown>>>();

function loadApi(name: string): Promise<Record<string, unknown>> | undefined {
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(`${apiDir}${name}.ts`)) return undefined;
  let loaded = modules.get(name);
  if (loaded === undefined) {
    loaded = import(pathToFileURL(`${apiDir}${name}.ts`).href) as Promise<Record<string, unknown>>;
    modules.set(name, loaded);
  }
  return loaded;
}

function notFound(): Response {
  return Response.json({ error: { code: "not_found", message: "No such function." } }, { status: 404 });
}

export async function dispatch(request: Request): Promise<Response> {
  const match = /^\/api\/([^/]+)$/.exec(new URL(request.url).pathname);
  const loaded = match?.[1] === undefined ? undefined : loadApi(match[1]);
  if (loaded === undefined) return notFound();
  const handler = (await loaded)[request.method];
  if (typeof handler !== "function") return notFound();
  return (handler as Handler)(request);
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
