// The dev server's front door: `GET /api/dev` (what this process is, for the page), the
// `x-relay-dev-stack` header on every answer, a 503 while the stack is still starting, and the
// listening socket. Everything else goes to the functions (dev/serve-functions.ts).
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { ServiceCheck } from "./checks.js";

/** Served by the dev server only: Vercel has no such function. */
export const DEV_STATUS_PATH = "/api/dev";
export const DEV_STACK_HEADER = "x-relay-dev-stack";

/** What `GET /api/dev` answers (the page polls it): no secret, only what identifies this process. */
export interface DevStatus {
  dev: true;
  /** New for every start of the process: a different one means the stack restarted. */
  stack_id: string;
  started_at: string;
  /** 0 for the functions loaded at start, +1 for each reload. */
  generation: number;
  functions_loaded_at: string;
  last_reload: { at: string; files: string[]; ok: boolean; error?: string } | null;
  /** True when routes.ts defines no route and the dev routes (log every event) are used. */
  dev_routes: boolean;
  store: string;
  /** `running` is false once the embedded server exited on its own (a restart of npm run dev starts it again). */
  langgraph: { url: string; embedded: boolean; crons: boolean | null; running: boolean };
  checks: ServiceCheck[];
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers } });
}

/** Listens on the port first, so that a port in use fails before anything else is started. */
export function listen(fetchHandler: (request: Request) => Promise<Response>, port: number, hostname: string): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const instance = serve({ fetch: fetchHandler, port, hostname }, (info) =>
      resolve({ port: info.port, close: () => new Promise((done) => (instance as Server).close(() => done())) }),
    );
    instance.once("error", reject);
  });
}

/** The handler in front of the app; `ready(status)` opens it once the stack has started. */
export function devFront(app: (request: Request) => Promise<Response>, stackId: string): { handle: (request: Request) => Promise<Response>; ready: (status: () => DevStatus) => void } {
  let status: (() => DevStatus) | undefined;
  const handle = async (request: Request): Promise<Response> => {
    const stamp = { [DEV_STACK_HEADER]: stackId };
    if (status === undefined) return json(503, { error: { code: "starting", message: "npm run dev is still starting; try again in a moment." } }, stamp);
    if (new URL(request.url).pathname === DEV_STATUS_PATH) {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return json(405, { error: { code: "method_not_allowed", message: `Method ${request.method} is not allowed here; use GET.` } }, { allow: "GET, HEAD", ...stamp });
      }
      return json(200, status(), stamp);
    }
    const response = await app(request);
    try {
      response.headers.set(DEV_STACK_HEADER, stackId);
      return response;
    } catch {
      // Immutable headers (a Response.error() or a passed-through fetch answer): copy it.
      const copy = new Response(response.body, response);
      copy.headers.set(DEV_STACK_HEADER, stackId);
      return copy;
    }
  };
  return {
    handle,
    ready: (current) => {
      status = current;
    },
  };
}
