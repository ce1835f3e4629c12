// The functions of api/ as `npm run dev` loads them, and reloads them on a save without restarting
// the stack: each load ("generation") imports api/, lib/ and routes.ts afresh in a tsx namespace of its
// own, while the LangGraph server, the HTTP server and the stores stay where they are.
//
// - Fresh copies: tsx's `register({ namespace }).import` loads a module graph beside the ones already
//   loaded (Node never unloads an ES module, so a reload is a new copy, not a replacement). Packages
//   are shared across generations (dev/reload-hooks.mjs), so a save costs the project's own modules.
// - The files to watch are the ones the generation imported (tsx's onImport), plus api/ for new
//   functions: a helper module that routes.ts imports is watched like routes.ts itself.
// - A generation that fails to load (a syntax error in routes.ts) is reported and the previous one
//   keeps serving.
import { type FSWatcher, watch } from "node:fs";
import { register as registerHooks } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register as registerTsx } from "tsx/esm/api";
import type { Runtime, RuntimeOptions } from "../lib/runtime/runtime.js";
import { functionNames, type FunctionModule } from "./serve-functions.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const apiDir = join(root, "api");
const hooksUrl = new URL("./reload-hooks.mjs", import.meta.url).href;
const hookData = {
  routes: pathToFileURL(join(root, "routes.ts")).href,
  devRoutes: pathToFileURL(join(root, "dev", "dev-routes.ts")).href,
  apiDir: pathToFileURL(apiDir).href + "/",
};

/** What the stack needs of a generation's own copy of lib/runtime. */
export interface RuntimeModule {
  createRuntime(options: RuntimeOptions): Runtime;
  setRuntime(runtime: Runtime | undefined): Runtime | undefined;
}

export interface Generation {
  /** 0 for the first load, then 1, 2, … */
  id: number;
  modules: Map<string, FunctionModule>;
  runtimeModule: RuntimeModule;
  /** True when routes.ts defines no route and dev/dev-routes.ts's routes are used. */
  usingDevRoutes: boolean;
  /** Why routes.ts could not be used (the first load only: the dev routes serve meanwhile). */
  routesError?: string;
  /** Absolute paths of the project files this generation imported. */
  files: Set<string>;
  /** Drops the generation's module hooks (its modules stay loaded: in-flight work may still use them). */
  retire(): Promise<void>;
}

/** routes.ts cannot be used: the message is one sentence naming the file and what it must export. */
export class RoutesError extends Error {
  override readonly name = "RoutesError";
}

/**
 * Every load gets a namespace of its own, a failed one too: Node keeps a module that failed (a syntax
 * error) under its URL, so a retry under the same namespace would fail again after the fix.
 */
let loads = 0;

/** Imports every function of api/ afresh, with its own lib/ and routes. */
export async function loadGeneration(id: number, options: { acceptBrokenRoutes?: boolean } = {}): Promise<Generation> {
  const files = new Set<string>();
  loads += 1;
  const namespace = `relay-dev-${process.pid}-${loads}`;
  const tsx = registerTsx({
    namespace,
    onImport: (url) => {
      if (url.startsWith("file:") && !url.includes("/node_modules/")) files.add(fileURLToPath(url.split("?")[0] ?? url));
    },
  });
  // After the namespace: hooks registered later run first, so this one sees the namespace's URLs.
  registerHooks(hooksUrl, { data: hookData });
  try {
    const modules = new Map<string, FunctionModule>();
    for (const name of functionNames()) {
      modules.set(name, (await tsx.import(pathToFileURL(join(apiDir, `${name}.ts`)).href, import.meta.url)) as FunctionModule);
    }
    const runtimeModule = (await tsx.import(pathToFileURL(join(root, "lib/runtime/runtime.ts")).href, import.meta.url)) as RuntimeModule;
    // The same copy the functions were handed (same namespace, same URL).
    const devRoutes = (await tsx.import(hookData.devRoutes, import.meta.url)) as { usingDevRoutes: boolean; routesError?: string };
    files.add(join(root, "routes.ts"));
    // A reload with a broken routes.ts fails (the functions loaded before keep serving); the first
    // load serves the dev routes instead, and the stack warns (options.acceptBrokenRoutes).
    if (devRoutes.routesError !== undefined && options.acceptBrokenRoutes !== true) throw new RoutesError(devRoutes.routesError);
    return {
      id,
      modules,
      runtimeModule,
      usingDevRoutes: devRoutes.usingDevRoutes,
      ...(devRoutes.routesError === undefined ? {} : { routesError: devRoutes.routesError }),
      files,
      retire: () => tsx.unregister(),
    };
  } catch (error) {
    await tsx.unregister();
    throw error;
  }
}

/** How long to wait after a change for the rest of an editor's save (several events per save). */
const SETTLE_MS = 150;

/**
 * Calls `onChange` with the changed files once a burst of changes settles. `files()` is read after each
 * reload, so that newly imported modules are watched too; `refresh()` re-reads it.
 */
export function watchSources(files: () => ReadonlySet<string>, onChange: (changed: string[]) => Promise<void>): { refresh(): void; close(): void } {
  const watchers = new Map<string, FSWatcher>();
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const fire = () => {
    const changed = [...pending];
    pending = new Set();
    running = running.then(() => onChange(changed)).then(refresh, refresh);
  };
  const noticed = (dir: string, name: string | null) => {
    if (name === null) return;
    const file = join(dir, name);
    const relevant = files().has(file) || (dir === apiDir && name.endsWith(".ts") && !name.endsWith(".d.ts"));
    if (!relevant) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(fire, SETTLE_MS);
  };
  function refresh(): void {
    const dirs = new Set([apiDir, ...[...files()].map((file) => dirname(file))]);
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, (_event, name) => noticed(dir, name));
        watcher.on("error", () => watchers.delete(dir));
        watchers.set(dir, watcher);
      } catch {
        // A directory that vanished: nothing to watch there.
      }
    }
  }
  refresh();
  return {
    refresh,
    close() {
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
