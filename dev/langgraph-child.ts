/**
 * Child-process entry of the embedded LangGraph server; started only by `dev/langgraph-server.ts`
 * (`node --import <tsx> dev/langgraph-child.ts '<json options>'`), never imported.
 *
 * It runs the official `startServer` from `@langchain/langgraph-api/server` with the example graphs
 * listed in `dev/langgraph.json`, in the current working directory (a fresh temp directory the
 * launcher made: the server keeps its state in `<cwd>/.langgraph_api/`).
 *
 * Why a process of its own: importing the server installs process-wide `uncaughtException` and
 * `unhandledRejection` handlers, its queue workers loop forever (it never exits after `cleanup()`),
 * and graph modules are loaded with tsx. None of that may leak into a vitest worker or the dev server.
 *
 * It exits when its parent goes away: stdin (a pipe from the parent) ends, or the parent pid changes
 * because the parent was killed and this process re-parented.
 */
import { readFileSync, rmSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";

/**
 * Exit code that tells the launcher the port was taken, so that it can retry with another one.
 * Keep in sync with dev/langgraph-server.ts (not imported from here: importing this file starts a server).
 */
const EXIT_ADDRESS_IN_USE = 98;
/** Exit code for any other start-up failure. */
const EXIT_START_FAILED = 1;
/** How often to check that the parent is still alive when stdin gives no signal. */
const PARENT_POLL_MS = 1_000;

const ChildOptions = z.object({
  host: z.string(),
  port: z.number().int().min(1).max(65_535),
  /** Queue workers: each runs one background run at a time. */
  workers: z.number().int().min(1),
  /** Directory to delete when the parent disappears without calling `stop()`. */
  stateDir: z.string(),
});
type ChildOptions = z.infer<typeof ChildOptions>;

const LangGraphConfig = z.object({
  graphs: z.record(z.string(), z.string()),
});

const configPath = fileURLToPath(new URL("./langgraph.json", import.meta.url));

/**
 * The graphs of dev/langgraph.json (paths relative to that file, as the langgraph CLI reads them),
 * re-expressed relative to `cwd`. The server resolves `path:export` specs against its cwd and splits
 * them on the first ":", so an absolute Windows path (`C:\…`) would break: a relative one does not.
 */
function graphSpecs(cwd: string): Record<string, string> {
  const config = LangGraphConfig.parse(JSON.parse(readFileSync(configPath, "utf8")));
  const configDir = dirname(configPath);
  const specs: Record<string, string> = {};
  for (const [graphId, spec] of Object.entries(config.graphs)) {
    const separator = spec.lastIndexOf(":");
    const file = separator > 0 ? spec.slice(0, separator) : spec;
    const exportName = separator > 0 ? spec.slice(separator + 1) : "default";
    const absolute = resolve(configDir, file);
    const fromCwd = relative(cwd, absolute);
    specs[graphId] = `${isAbsolute(fromCwd) ? absolute : fromCwd}:${exportName}`;
  }
  return specs;
}

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}

let exiting = false;
function exitBecauseParentLeft(options: ChildOptions): void {
  if (exiting) return;
  exiting = true;
  // Nobody will call stop(): clean up the state directory ourselves. Synchronous, as we exit now.
  rmSync(options.stateDir, { recursive: true, force: true, maxRetries: 3 });
  process.exit(0);
}

function watchParent(options: ChildOptions): void {
  // A pipe's end is the most direct signal: the kernel closes it however the parent died.
  process.stdin.on("end", () => exitBecauseParentLeft(options));
  process.stdin.on("close", () => exitBecauseParentLeft(options));
  process.stdin.resume();
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) exitBecauseParentLeft(options);
  }, PARENT_POLL_MS);
  timer.unref();
}

async function main(): Promise<void> {
  const options = ChildOptions.parse(JSON.parse(process.argv.at(-1) ?? "{}"));
  watchParent(options);
  const cwd = process.cwd();
  try {
    // Imported only now, after watchParent(): loading the server takes seconds, during which an
    // orphaned child should already be able to notice and leave.
    const { startServer } = await import("@langchain/langgraph-api/server");
    const { host } = await startServer({
      host: options.host,
      port: options.port,
      nWorkers: options.workers,
      cwd,
      graphs: graphSpecs(cwd),
    });
    // The launcher waits for this exact prefix (LISTENING_PREFIX in dev/langgraph-server.ts).
    console.log(`langgraph-child: listening on http://${host}`);
  } catch (error) {
    console.error("langgraph-child: failed to start", error);
    process.exit(errorCode(error) === "EADDRINUSE" ? EXIT_ADDRESS_IN_USE : EXIT_START_FAILED);
  }
}

await main();
