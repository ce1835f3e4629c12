// The local stack behind `npm run dev`: every function of api/ and the files of public/ on one port,
// plus — when LANGGRAPH_API_URL is unset — the official LangGraph server with the example graphs in a
// child process. Tests start this same stack (startDevStack) rather than a copy of it.
//
// A save reloads the functions, not the stack (dev/functions.ts): the LangGraph server and its threads,
// the HTTP server, the tokens (kept in .env.local, dev/env-file.ts) and the stores — deliveries, the
// run ledger, idempotency keys — stay. `GET /api/dev` and the `x-relay-dev-stack` header on every
// answer say which process is serving and how many reloads it has done, so that the page can tell a
// reload (nothing lost) from a restart (a new process: the memory store started empty).
import { redisReachable, startSweeper } from "./sweeper.js";
import { randomBytes } from "node:crypto";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Env } from "../lib/config/env.js";
import type { Logger } from "../lib/shared/log.js";
import { describeError } from "../lib/shared/log.js";
import type { Runtime, RuntimeOptions } from "../lib/runtime/runtime.js";
import { createRuntime, setRuntime } from "../lib/runtime/runtime.js";
import { checkLangGraph, checkRedis, type ServiceCheck } from "./checks.js";
export { DEV_STACK_HEADER, DEV_STATUS_PATH, type DevStatus } from "./front.js";
import { defaultEnvFile, loadDevEnvironment } from "./env-file.js";
import { type Generation, loadGeneration, RoutesError, watchSources } from "./functions.js";
import { startLangGraphServer } from "./langgraph-server.js";
import { devFront, type DevStatus, listen } from "./front.js";
import { devLogger } from "./pretty-log.js";
import { appHandler, functionNames, type FunctionModule } from "./serve-functions.js";

export interface DevStackOptions {
  /** @default process.env.PORT or 3000; 0 picks a free port */
  port?: number;
  /** @default "127.0.0.1"; the dev server is for this machine only */
  hostname?: string;
  /** @default process.env */
  env?: Env;
  /**
   * The file secrets are read from and generated ones written to (`false`: none).
   * @default `.env.local` (or RELAY_DEV_ENV_FILE) when `env` is not given, none when it is
   */
  envFile?: string | false;
  log?: Logger;
  /** Receives the embedded LangGraph server's output lines. @default discarded */
  langgraphLog?: ((line: string) => void) | undefined;
  /** Check that Redis and LangGraph answer before the banner. @default true */
  checkServices?: boolean;
  /**
   * Reload the functions when a file they import changes.
   * @default true when `env` is not given (`npm run dev`), false when it is (tests: a save elsewhere must not reload them)
   */
  watch?: boolean;
}

export interface DevStack {
  /** Base URL of the app, e.g. http://localhost:3000 */
  url: string;
  port: number;
  langgraphUrl: string;
  /** True when the stack started its own LangGraph server. */
  embeddedLangGraph: boolean;
  /** The embedded LangGraph server's process id, when there is one. */
  langgraphPid: number | undefined;
  /** The effective environment: the file's and generated values included. */
  env: Env;
  /** Which of TRIGGER_TOKEN / WEBHOOK_SECRET were generated at this start (and saved to `envFile`). */
  generated: string[];
  /** The file secrets come from and go to, if any. */
  envFile: string | undefined;
  /** Names whose value came from `envFile`. */
  fromFile: string[];
  functions: string[];
  /** The runtime of the functions now serving (a new one after each reload, over the same stores). */
  readonly runtime: Runtime;
  /** True while routes.ts defines no route (dev/dev-routes.ts applies). */
  readonly usingDevRoutes: boolean;
  warnings: string[];
  checks: ServiceCheck[];
  status(): DevStatus;
  /** Reloads the functions now, as a save would; false when the new ones failed to load. */
  reload(changed?: string[]): Promise<boolean>;
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL("..", import.meta.url));
const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i.test(host);

/** The state a reload keeps: every store of the runtime (deliveries, run ledger, idempotency keys, decisions). */
function keptState(runtime: Runtime): Pick<RuntimeOptions, "store" | "ledger" | "idempotency" | "decisions"> {
  return { store: runtime.store, ledger: runtime.ledger, idempotency: runtime.idempotency, decisions: runtime.decisions };
}

export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const stackId = randomBytes(6).toString("hex");
  const startedAt = new Date().toISOString();
  const envFile = options.envFile === false ? undefined : (options.envFile ?? (options.env === undefined ? defaultEnvFile() : undefined));
  const prepared = loadDevEnvironment(options.env ?? process.env, envFile, { deferSave: true });
  const env = prepared.env;
  const log = options.log ?? devLogger(env);

  const modules = new Map<string, FunctionModule>();
  const app = appHandler(modules, log);
  const front = devFront(app, stackId);

  // Stopped in this order: LangGraph first (no run can call back a closed receiver — a failed
  // webhook delivery kills one of its queue workers), then routing work finishes, then the server.
  const stops: { langgraph?: () => Promise<void>; runtime?: () => Promise<void>; watcher?: () => void; sweeper?: () => void; server?: () => Promise<void> } = {};
  const stop = async () => {
    stops.watcher?.();
    stops.sweeper?.();
    for (const fn of [stops.langgraph, stops.runtime, stops.server]) await fn?.().catch(() => undefined);
  };
  try {
    const hostname = options.hostname ?? "127.0.0.1";
    const server = await listen(front.handle, options.port ?? Number(env["PORT"] ?? 3000), hostname);
    stops.server = server.close;
    // Only now: a start that fails to listen (a port in use) writes nothing to .env.local.
    prepared.save();
    const url = `http://${hostname === "127.0.0.1" ? "localhost" : hostname}:${server.port}`;

    let embeddedLangGraph = false;
    let langgraphPid: number | undefined;
    /** Set when the embedded LangGraph server exited on its own (the page and the status say so). */
    let langgraphExited: number | string | undefined;
    if ((env["LANGGRAPH_API_URL"] ?? "").trim() === "") {
      const langgraph = await startLangGraphServer({
        ...(options.langgraphLog ? { log: options.langgraphLog } : {}),
        onExit: (code, lastLines) => {
          langgraphExited = code ?? "unknown";
          log.error("the embedded LangGraph server stopped: runs cannot start until npm run dev is restarted", {
            exit: code,
            last_lines: lastLines.slice(-5).join("\n"),
          });
        },
      });
      stops.langgraph = () => langgraph.stop();
      langgraphPid = langgraph.pid;
      env["LANGGRAPH_API_URL"] = langgraph.url;
      embeddedLangGraph = true;
    }
    // The relay never takes its callback address from a request; on this machine it is the dev
    // server's own loopback address, unless PUBLIC_URL (a tunnel) says otherwise.
    if ((env["PUBLIC_URL"] ?? "").trim() === "") env["PUBLIC_URL"] = url;
    // Tokens minted here name the development environment (as `vercel dev` would), so that one leaked
    // from a laptop is refused by a production deployment sharing its WEBHOOK_SECRET.
    if ((env["VERCEL_ENV"] ?? "").trim() === "") env["VERCEL_ENV"] = "development";

    // The stores, built once and handed to every generation of the functions.
    const base = createRuntime({ env, log });
    const kept = keptState(base);
    const runtimes = new Set<Runtime>([base]);
    const previous = setRuntime(base);
    stops.runtime = async () => {
      for (const runtime of runtimes) await runtime.idle();
      await base.store.close();
      setRuntime(previous);
    };

    let generation: Generation = await loadGeneration(0, { acceptBrokenRoutes: true });
    if (generation.routesError !== undefined) {
      log.error("routes.ts is broken: the dev routes serve until it is fixed (saving it reloads)", { error: generation.routesError });
    }
    let runtime = generation.runtimeModule.createRuntime({ env, log, ...kept });
    generation.runtimeModule.setRuntime(runtime);
    runtimes.add(runtime);
    setRuntime(runtime);
    for (const [name, module] of generation.modules) modules.set(name, module);
    let loadedAt = new Date().toISOString();
    let lastReload: DevStatus["last_reload"] = null;

    const reload = async (changed: string[] = []): Promise<boolean> => {
      const began = performance.now();
      const files = changed.map((file) => relative(root, file));
      let next: Generation;
      try {
        next = await loadGeneration(generation.id + 1);
      } catch (error) {
        const said = error instanceof RoutesError ? error.message : describeError(error);
        lastReload = { at: new Date().toISOString(), files, ok: false, error: said };
        log.error("reload failed: the functions loaded before keep serving; fix the file and save again", { files, error: said });
        return false;
      }
      const nextRuntime = next.runtimeModule.createRuntime({ env, log, ...kept });
      next.runtimeModule.setRuntime(nextRuntime);
      runtimes.add(nextRuntime);
      const [old, oldRuntime] = [generation, runtime];
      [generation, runtime] = [next, nextRuntime];
      modules.clear();
      for (const [name, module] of next.modules) modules.set(name, module);
      setRuntime(nextRuntime);
      loadedAt = new Date().toISOString();
      lastReload = { at: loadedAt, files, ok: true };
      log.info("functions reloaded: LangGraph, tokens and deliveries kept", {
        files: files.join(","),
        generation: next.id,
        dev_routes: next.usingDevRoutes,
        ms: Math.round(performance.now() - began),
      });
      // The stores are the one thing a reload keeps, code included: their state lives in them.
      const storeCode = files.filter((file) => file.startsWith("lib/stores/"));
      if (storeCode.length > 0) {
        log.warn("the stores keep the code they started with (a reload keeps their state): restart npm run dev to run the changed store code", { files: storeCode.join(",") });
      }
      // The old copy's modules stay loaded for its in-flight routing; its hooks go once that is done.
      void oldRuntime.idle().then(() => {
        runtimes.delete(oldRuntime);
        return old.retire();
      });
      return true;
    };

    const checks: ServiceCheck[] = [];
    if (options.checkServices !== false) {
      const redisUrl = base.config.redisUrl;
      const [langgraphCheck, redisCheck] = await Promise.all([
        checkLangGraph(env["LANGGRAPH_API_URL"] as string, base.config.langsmithApiKey),
        redisUrl === undefined ? undefined : checkRedis(base.store, redisUrl),
      ]);
      checks.push(langgraphCheck, ...(redisCheck === undefined ? [] : [redisCheck]));
    }

    const warnings: string[] = checks.filter((check) => !check.ok).map((check) => `${check.service} (${check.variable}): ${check.detail}`);
    if (generation.routesError !== undefined) warnings.push(`${generation.routesError} The dev routes serve meanwhile; saving routes.ts reloads it.`);
    const langgraphUrl = env["LANGGRAPH_API_URL"] as string;
    const callbackBase = base.config.publicUrl ?? url;
    if (!embeddedLangGraph && !isLoopback(new URL(langgraphUrl).hostname) && isLoopback(new URL(callbackBase).hostname)) {
      warnings.push(
        `LANGGRAPH_API_URL points at a remote deployment (${new URL(langgraphUrl).host}), but the webhook URL the ` +
          `trigger would hand it is on this machine (${callbackBase}): the platform cannot reach a laptop, so ` +
          "callbacks will never arrive. Expose the dev server with a tunnel (e.g. `cloudflared tunnel --url " +
          `${url}\` or \`ngrok http ${server.port}\`) and set PUBLIC_URL to the tunnel's https URL.`,
      );
    }

    const statusOf = (): DevStatus => ({
      dev: true,
      stack_id: stackId,
      started_at: startedAt,
      generation: generation.id,
      functions_loaded_at: loadedAt,
      last_reload: lastReload,
      dev_routes: generation.usingDevRoutes,
      store: base.store.kind,
      langgraph: {
        url: langgraphUrl,
        embedded: embeddedLangGraph,
        crons: checks.find((check) => check.service === "LangGraph")?.crons ?? null,
        running: langgraphExited === undefined,
      },
      checks,
    });
    if (options.watch ?? options.env === undefined) {
      const watcher = watchSources(() => generation.files, async (changed) => {
        await reload(changed);
      });
      stops.watcher = () => watcher.close();
    }

    front.ready(statusOf);
    // Vercel Cron's stand-in: /api/sweep on a short interval (dev/sweeper.ts), once the server answers.
    const cronSecret = (env["CRON_SECRET"] ?? "").trim();
    const redisUrl = (env["REDIS_URL"] ?? "").trim();
    stops.sweeper = startSweeper({
      url,
      token: cronSecret !== "" ? cronSecret : env["TRIGGER_TOKEN"],
      log,
      ...(redisUrl === "" ? {} : { storeReachable: redisReachable(redisUrl) }),
    });

    return {
      url,
      port: server.port,
      langgraphUrl,
      embeddedLangGraph,
      langgraphPid,
      env,
      generated: prepared.generated,
      envFile: prepared.file,
      fromFile: prepared.fromFile,
      functions: functionNames(),
      get runtime() {
        return runtime;
      },
      get usingDevRoutes() {
        return generation.usingDevRoutes;
      },
      warnings,
      checks,
      status: statusOf,
      reload,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
