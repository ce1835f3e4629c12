// The local stack behind `npm run dev`: every function of api/ and the files of public/ on one port,
// plus — when LANGGRAPH_API_URL is unset — the official LangGraph server with the example graphs in a
// child process. Tests start this same stack (startDevStack) rather than a copy of it.
import { randomBytes } from "node:crypto";
import { serve } from "@hono/node-server";
import type { Env } from "../lib/config/env.js";
import type { Logger } from "../lib/shared/log.js";
import { jsonLogger } from "../lib/shared/log.js";
import type { Runtime } from "../lib/runtime/runtime.js";
import { createRuntime, setRuntime } from "../lib/runtime/runtime.js";
import { startLangGraphServer } from "./langgraph-server.js";
import { appHandler, functionNames, loadFunctions } from "./serve-functions.js";

export interface DevStackOptions {
  /** @default process.env.PORT or 3000; 0 picks a free port */
  port?: number;
  /** @default "127.0.0.1"; the dev server is for this machine only */
  hostname?: string;
  /** @default process.env */
  env?: Env;
  log?: Logger;
  /** Receives the embedded LangGraph server's output lines. @default discarded */
  langgraphLog?: ((line: string) => void) | undefined;
}

export interface DevStack {
  /** Base URL of the app, e.g. http://localhost:3000 */
  url: string;
  port: number;
  langgraphUrl: string;
  /** True when the stack started its own LangGraph server. */
  embeddedLangGraph: boolean;
  /** The effective environment: generated values included. */
  env: Env;
  /** Which of TRIGGER_TOKEN / WEBHOOK_SECRET were generated for this session. */
  generated: string[];
  functions: string[];
  runtime: Runtime;
  warnings: string[];
  stop(): Promise<void>;
}

const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i.test(host);

export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const sourceEnv = options.env ?? process.env;
  const env: Record<string, string | undefined> = { ...sourceEnv };
  const generated: string[] = [];
  for (const name of ["TRIGGER_TOKEN", "WEBHOOK_SECRET"] as const) {
    if ((env[name] ?? "").trim() === "") {
      env[name] = randomBytes(24).toString("base64url");
      generated.push(name);
    }
  }

  // Stopped in this order: LangGraph first (no run can call back a closed receiver — a failed
  // webhook delivery kills one of its queue workers), then routing work finishes, then the server.
  const stops: { langgraph?: () => Promise<void>; runtime?: () => Promise<void>; server?: () => Promise<void> } = {};
  const stop = async () => {
    for (const fn of [stops.langgraph, stops.runtime, stops.server]) await fn?.().catch(() => undefined);
  };
  try {
    let embeddedLangGraph = false;
    if ((env["LANGGRAPH_API_URL"] ?? "").trim() === "") {
      const langgraph = await startLangGraphServer(options.langgraphLog ? { log: options.langgraphLog } : {});
      stops.langgraph = () => langgraph.stop();
      env["LANGGRAPH_API_URL"] = langgraph.url;
      embeddedLangGraph = true;
    }

    const modules = await loadFunctions();
    const hostname = options.hostname ?? "127.0.0.1";
    const requestedPort = options.port ?? Number(env["PORT"] ?? 3000);
    const server = await new Promise<{ port: number; close: () => Promise<void> }>((resolve, reject) => {
      const instance = serve({ fetch: appHandler(modules), port: requestedPort, hostname }, (info) =>
        resolve({
          port: info.port,
          close: () => new Promise((done) => instance.close(() => done())),
        }),
      );
      instance.once("error", reject);
    });
    stops.server = server.close;

    const url = `http://${hostname === "127.0.0.1" ? "localhost" : hostname}:${server.port}`;
    // The relay never takes its callback address from a request; on this machine it is the dev
    // server's own loopback address, unless PUBLIC_URL (a tunnel) says otherwise.
    if ((env["PUBLIC_URL"] ?? "").trim() === "") env["PUBLIC_URL"] = url;
    // Tokens minted here name the development environment (as `vercel dev` would), so that one leaked
    // from a laptop is refused by a production deployment sharing its WEBHOOK_SECRET.
    if ((env["VERCEL_ENV"] ?? "").trim() === "") env["VERCEL_ENV"] = "development";
    const log = options.log ?? jsonLogger();
    const runtime = createRuntime({ env, log });
    const previous = setRuntime(runtime);
    stops.runtime = async () => {
      await runtime.idle();
      await runtime.store.close();
      setRuntime(previous);
    };
    const warnings: string[] = [];
    const langgraphUrl = env["LANGGRAPH_API_URL"] as string;
    const callbackBase = runtime.config.publicUrl ?? url;
    if (!embeddedLangGraph && !isLoopback(new URL(langgraphUrl).hostname) && isLoopback(new URL(callbackBase).hostname)) {
      warnings.push(
        `LANGGRAPH_API_URL points at a remote deployment (${new URL(langgraphUrl).host}), but the webhook URL the ` +
          `trigger would hand it is on this machine (${callbackBase}): the platform cannot reach a laptop, so ` +
          "callbacks will never arrive. Expose the dev server with a tunnel (e.g. `cloudflared tunnel --url " +
          `${url}\` or \`ngrok http ${server.port}\`) and set PUBLIC_URL to the tunnel's https URL.`,
      );
    }
    return {
      url,
      port: server.port,
      langgraphUrl,
      embeddedLangGraph,
      env,
      generated,
      functions: functionNames(),
      runtime,
      warnings,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
