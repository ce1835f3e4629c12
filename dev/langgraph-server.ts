/**
 * Launcher for the embedded LangGraph server (the official `@langchain/langgraph-api`) with the
 * deterministic example graphs of dev/graphs (`agent`, `error_graph`, `hitl`, `hitl_tools`). Used by `npm run dev`
 * when LANGGRAPH_API_URL is unset, and by the vitest suites that need a real LangGraph server.
 *
 *   const langgraph = await startLangGraphServer({ log: (line) => console.log(`[langgraph] ${line}`) });
 *   new Client({ apiUrl: langgraph.url });
 *   await langgraph.stop();
 *
 * Gotchas measured on this machine (langgraph-api 1.5.1, Node 20, 2 cores):
 *
 * - The server must run in a child process (dev/langgraph-child.ts): importing it installs
 *   process-wide `uncaughtException`/`unhandledRejection` handlers that only log, and its queue workers
 *   loop forever, so the process never exits after `cleanup()`. The child is spawned as
 *   `node --import <tsx loader> dev/langgraph-child.ts` (a single process: the tsx CLI would add a
 *   middle process between us and the server), in its own process group so `stop()` can kill the lot.
 * - Start-up takes ~2.2 s here alone, ~5.5 s for three launched at once (tsx compiling the server's
 *   import graph and the graphs): wait for readiness, never a fixed sleep, and give vitest hooks a
 *   generous timeout (the whole suite's files may start servers concurrently).
 * - Its state (threads, checkpoints, runs) lives in `<cwd>/.langgraph_api/` and is flushed there
 *   3 s after changes: every launch gets a fresh temp cwd, deleted on stop (or by the child when its
 *   parent dies without calling stop). Nothing is read from or written to the repository.
 * - A failed webhook delivery (receiver down or refusing the connection) throws out of the queue
 *   worker's `finally` and permanently ends that worker (the rejection is only logged); once all
 *   workers are gone, background runs stay `pending` forever. We start several workers to soften
 *   this, but tests must keep their webhook receivers up until the server is stopped.
 * - The webhook POST is sent after the run's status is saved, but SDK calls that wait on the run
 *   (`runs.join`, `runs.wait`) return ~500 ms after the webhook arrives (their poll interval): wait on
 *   the webhook receiver, not on the SDK, when the webhook is what is under test.
 * - It posts webhooks with `content-type: text/plain;charset=UTF-8`, never retries, and sends no
 *   signature. A run that pauses in `interrupt()` reports status `success`: only the thread's state
 *   (`next`, `tasks[].interrupts`, thread `status: "interrupted"`) says it is waiting on a human.
 * - `runs.wait` on a graph that throws rejects with `Error: {"error":"Error","message":"boom …"}`;
 *   on a run that hits `interrupt()` it resolves `{"__interrupt__": [{id, value}]}`, not the values.
 * - `runs.stream` is incremental: with `delay_ms` the first `values` event arrives at once and the
 *   last one `delay_ms` later (`metadata` comes first, then `values` for the input and each step).
 * - Crons are not implemented by this server (HTTP 500 "Not implemented").
 * - Port 2024 (the CLI default) may be taken: a free port is picked, and picked again if another
 *   process grabs it between our probe and the server's listen (exit code EXIT_ADDRESS_IN_USE).
 * - The child gets an allow-listed environment, not ours: no LANGSMITH_API_KEY (the server would
 *   trace to LangSmith over the network), no relay secrets. Tracing and CLI analytics are off.
 * - Its `preload.mjs` (which pins `@langchain/langgraph` resolution to the graphs' copy) is not
 *   needed: server and graphs resolve the same hoisted package from this repository's node_modules.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createRequire } from "node:module";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface LangGraphServerOptions {
  /** Port on 127.0.0.1. @default a free port chosen by the OS */
  port?: number;
  /** Receives each line the server prints (stdout and stderr). @default lines are discarded */
  log?: (line: string) => void;
  /** Called when the server exits once started, other than by `stop()`, with the last lines it printed. */
  onExit?: (code: number | string | null, lastLines: readonly string[]) => void;
  /** How long to wait for GET /ok to answer. @default 90_000 */
  startTimeoutMs?: number;
}

export interface LangGraphServer {
  /** Base URL for `new Client({ apiUrl })`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** The child process's id (the leader of its process group). */
  pid: number | undefined;
  /** Kills the server (and its process group) and deletes its state directory. Idempotent. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const DEFAULT_START_TIMEOUT_MS = 90_000;
/** Background runs that can execute at once; also how many failed webhooks the server survives. */
const QUEUE_WORKERS = 10;
/**
 * Printed by dev/langgraph-child.ts once its server listens. Readiness needs this line as well as
 * GET /ok, so that another server already on a requested port is never mistaken for ours.
 */
const LISTENING_PREFIX = "langgraph-child: listening on ";
/** Same value as in dev/langgraph-child.ts (exit code when listen() hits EADDRINUSE). */
const EXIT_ADDRESS_IN_USE = 98;
/** Attempts when the port we probed as free is taken before the server binds it. */
const PORT_ATTEMPTS = 3;
const POLL_INTERVAL_MS = 150;
/** Grace period between SIGTERM and SIGKILL on stop. */
const STOP_GRACE_MS = 3_000;
/** Lines of child output kept to explain a failed start. */
const TAIL_LINES = 40;
/** Environment variables the child inherits from us; everything else is left behind. */
const INHERITED_ENV = ["PATH", "HOME", "USERPROFILE", "SYSTEMROOT", "LANG", "LC_ALL", "TZ"];

const childEntry = fileURLToPath(new URL("./langgraph-child.ts", import.meta.url));
/** Absolute, because the child's cwd (a temp dir) has no node_modules to resolve "tsx" from. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("could not determine a free port"));
      });
    });
  });
}

function childEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    NODE_ENV: "development",
    LANGGRAPH_CLI_NO_ANALYTICS: "1",
    LANGSMITH_TRACING: "false",
    LANGCHAIN_TRACING_V2: "false",
    // Reported by the server in run metadata (`langgraph_api_url`), as the langgraph CLI does.
    LANGGRAPH_API_URL: url,
    // One JSON object per line, so that each `log(line)` call is one whole event (the default
    // format is multi-line and coloured).
    LOG_JSON: "true",
    // The server logs every request at "debug" by default.
    LOG_LEVEL: process.env["LANGGRAPH_LOG_LEVEL"] ?? "info",
  };
}

/** Resolves true once GET /ok answers 200 within the request timeout. */
function answersOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    // node:http rather than fetch: a test that stubs the global fetch must not blind the launcher.
    const req = request(`${url}/ok`, { method: "GET", timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(false));
    req.end();
  });
}

function pipeLines(stream: Readable | null, onLine: (line: string) => void): void {
  if (stream === null) return;
  // Always drain: a full pipe would block the server's console writes.
  createInterface({ input: stream, crlfDelay: Infinity }).on("line", onLine);
}

/**
 * Sends `signal` to the child's process group (falls back to the child alone, e.g. on Windows).
 * `evenIfExited` sweeps a group whose leader (the server) is gone but whose members might not be:
 * only right after the exit, before the group id could be reused.
 */
function signalTree(child: ChildProcess, signal: NodeJS.Signals, evenIfExited = false): void {
  const pid = child.pid;
  const exited = child.exitCode !== null || child.signalCode !== null;
  if (pid === undefined || (exited && !evenIfExited)) return;
  try {
    process.kill(-pid, signal);
  } catch {
    if (exited) return;
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

class StartError extends Error {
  override readonly name = "StartError";
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

async function launch(port: number, options: LangGraphServerOptions): Promise<LangGraphServer> {
  const url = `http://${HOST}:${port}`;
  const stateDir = mkdtempSync(join(tmpdir(), "langgraph-relay-"));
  const tail: string[] = [];
  let listening = false;
  const onLine = (line: string): void => {
    if (line.startsWith(LISTENING_PREFIX)) listening = true;
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    options.log?.(line);
  };

  const payload = JSON.stringify({ host: HOST, port, workers: QUEUE_WORKERS, stateDir });
  const child = spawn(process.execPath, ["--import", tsxLoader, childEntry, payload], {
    cwd: stateDir,
    env: childEnv(url),
    // stdin stays an open pipe that we never write to: the child exits when it closes (we died).
    stdio: ["pipe", "pipe", "pipe"],
    // Own process group, so that stop() reaches anything the server spawns; Ctrl-C in a terminal
    // then does not reach the child directly, the closed stdin pipe does.
    detached: process.platform !== "win32",
    windowsHide: true,
  });
  pipeLines(child.stdout, onLine);
  pipeLines(child.stderr, onLine);

  let stopped: Promise<void> | undefined;
  // Last resort when our process exits without stop() (e.g. process.exit in a script): must be sync.
  const onParentExit = (): void => {
    signalTree(child, "SIGKILL");
    rmSync(stateDir, { recursive: true, force: true });
  };
  process.once("exit", onParentExit);

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.off("exit", onParentExit);
      signalTree(child, "SIGTERM");
      if (!(await waitForExit(child, STOP_GRACE_MS))) {
        signalTree(child, "SIGKILL");
        await waitForExit(child, STOP_GRACE_MS);
      }
      // The server's own process may be gone while a grandchild of its group is not: sweep the group.
      signalTree(child, "SIGKILL", true);
      rmSync(stateDir, { recursive: true, force: true, maxRetries: 3 });
    })();
    return stopped;
  };

  // The child must not keep a vitest worker or a finishing script alive on its own: unref the
  // process and its pipes (they still deliver output while something else keeps the loop running).
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    if (stream instanceof Socket) stream.unref();
  }

  try {
    const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    await waitUntilReady(child, url, timeoutMs, () => listening, tail);
  } catch (error) {
    await stop();
    throw error;
  }
  // A crash after the start must not go unnoticed: every run would fail with "unreachable" and nothing
  // would say why. "close": after the pipes are drained, so the tail holds its last words.
  child.once("close", (code, signal) => {
    if (stopped === undefined) options.onExit?.(code ?? signal, [...tail]);
  });
  return { url, port, pid: child.pid, stop };
}

async function waitUntilReady(
  child: ChildProcess,
  url: string,
  timeoutMs: number,
  isListening: () => boolean,
  tail: readonly string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  const onClose = (code: number | null): void => {
    exitCode = code;
  };
  // "close" rather than "exit": it comes after the pipes are drained, so `tail` holds the last words.
  child.once("close", onClose);
  try {
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new StartError(
          `LangGraph server exited during start-up (code ${String(exitCode)}):\n${tail.join("\n")}`,
          exitCode,
        );
      }
      if (isListening() && (await answersOk(url))) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    throw new StartError(
      `LangGraph server did not answer GET ${url}/ok within ${timeoutMs} ms:\n${tail.join("\n")}`,
      null,
    );
  } finally {
    child.off("close", onClose);
  }
}

/**
 * Starts the embedded LangGraph server with the example graphs in a child process and resolves once
 * it answers GET /ok. Call `stop()` when done; if the calling process dies first, the child notices
 * its stdin closing and exits on its own.
 */
export async function startLangGraphServer(
  options: LangGraphServerOptions = {},
): Promise<LangGraphServer> {
  if (options.port !== undefined) return await launch(options.port, options);
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await findFreePort(), options);
    } catch (error) {
      const portTaken = error instanceof StartError && error.exitCode === EXIT_ADDRESS_IN_USE;
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}
