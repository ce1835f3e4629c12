// Cold start of the built functions: how long a fresh plain `node` process takes to import the
// handler that `vercel build` wrote (.vercel/output/functions/api/<name>.func/<handler>), against a
// hello-world function built the same way (same `vercel build` from this repository's node_modules,
// same package.json type and engines, offline) in a temporary project. Spawns are interleaved and
// the medians reported; the size of each built function comes with it.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchResult } from "./types.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const SPAWNS = Number(process.env["BENCH_COLD_SPAWNS"] ?? 11);
/** Bounds on one build and one spawn. */
const BUILD_TIMEOUT_MS = 240_000;
const SPAWN_TIMEOUT_MS = 30_000;
/** `vercel build` runs `npm install` in the project whatever installCommand says: keep npm off the network. */
const OFFLINE_NPM = { npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };

interface Func {
  name: string;
  dir: string;
  handler: string;
}

function funcAt(outputDir: string, name: string): Func {
  const dir = join(outputDir, "functions", "api", `${name}.func`);
  const config = JSON.parse(readFileSync(join(dir, ".vc-config.json"), "utf8")) as { handler: string };
  return { name, dir, handler: join(dir, config.handler) };
}

function newestMtime(path: string): number {
  const info = lstatSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds this project (npm run build:vercel) unless its output is newer than every source it builds. */
function ensureProjectBuilt(): string {
  const output = join(root, ".vercel", "output");
  const marker = join(output, "functions", "api", "webhook.func", ".vc-config.json");
  const sources = ["api", "lib", "routes.ts", "package.json", "vercel.json"].map((path) => join(root, path));
  if (existsSync(marker) && statSync(marker).mtimeMs > Math.max(...sources.map(newestMtime))) return output;
  console.error("[bench] .vercel/output is missing or older than the sources: npm run build:vercel");
  const built = spawnSync(process.execPath, [join(root, "scripts", "build-vercel.mjs")], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, ...OFFLINE_NPM },
    timeout: BUILD_TIMEOUT_MS,
  });
  if (built.status !== 0) throw new Error(`npm run build:vercel failed (${built.status ?? built.signal ?? "?"})`);
  return output;
}

/** A minimal project with api/hello.ts, built with the same `vercel build`; returns its output dir. */
function buildHelloWorld(dir: string): string {
  const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { type?: string; engines?: unknown };
  mkdirSync(join(dir, "api"), { recursive: true });
  mkdirSync(join(dir, "public"), { recursive: true });
  mkdirSync(join(dir, ".vercel"), { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "hello-world", version: "0.0.0", private: true, type: own.type, engines: own.engines }, null, 2),
  );
  writeFileSync(join(dir, "api", "hello.ts"), 'export function GET(): Response {\n  return new Response("hi");\n}\n');
  writeFileSync(join(dir, "public", "index.html"), "hi\n");
  cpSync(join(root, "tsconfig.json"), join(dir, "tsconfig.json"));
  writeFileSync(join(dir, ".vercel", "project.json"), JSON.stringify({ projectId: "_", orgId: "_", settings: { installCommand: "true" } }));
  const globalConfig = mkdtempSync(join(tmpdir(), "vercel-global-"));
  try {
    const built = spawnSync(process.execPath, [join(root, "node_modules/vercel/dist/vc.js"), "build", "--yes", "--global-config", globalConfig], {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
      env: { ...process.env, ...OFFLINE_NPM, VERCEL_TELEMETRY_DISABLED: "1" },
      timeout: BUILD_TIMEOUT_MS,
    });
    if (built.status !== 0) throw new Error(`vercel build of the hello-world failed:\n${built.stderr.slice(-2000)}`);
  } finally {
    rmSync(globalConfig, { recursive: true, force: true });
  }
  return join(dir, ".vercel", "output");
}

/** Child: import the handler, report ms spent importing and ms since the process started, exit. */
const CHILD = `
const started = performance.now();
await import(process.argv[1]);
const imported = performance.now();
process.stdout.write(JSON.stringify({ importMs: imported - started, sinceStartMs: imported }));
process.exit(0);
`;

interface Sample {
  importMs: number;
  sinceStartMs: number;
}

function spawnImport(func: Func): Sample {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", CHILD, pathToFileURL(func.handler).href], {
    cwd: func.dir,
    encoding: "utf8",
    // A plain node: none of the loaders or options this process may carry.
    env: { PATH: process.env["PATH"] ?? "" },
    timeout: SPAWN_TIMEOUT_MS,
  });
  if (result.status !== 0) throw new Error(`importing ${func.name} failed: ${result.stderr.slice(-1000)}`);
  return JSON.parse(result.stdout) as Sample;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Disk usage (`du`: allocated blocks) and apparent size of a directory, and of its node_modules. */
interface Size {
  du: number;
  bytes: number;
  nodeModulesDu: number;
  nodeModulesBytes: number;
  files: number;
}

function sizeOf(dir: string): Size {
  const size: Size = { du: 0, bytes: 0, nodeModulesDu: 0, nodeModulesBytes: 0, files: 0 };
  const walk = (path: string, inNodeModules: boolean) => {
    const info = lstatSync(path);
    size.du += info.blocks * 512;
    if (inNodeModules) size.nodeModulesDu += info.blocks * 512;
    if (info.isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry), inNodeModules || entry === "node_modules");
      return;
    }
    size.files += 1;
    size.bytes += info.size;
    if (inNodeModules) size.nodeModulesBytes += info.size;
  };
  walk(dir, false);
  return size;
}

const mb = (bytes: number) => bytes / 2 ** 20;

export async function benchColdStart(): Promise<BenchResult[]> {
  const output = ensureProjectBuilt();
  const helloDir = mkdtempSync(join(tmpdir(), "relay-hello-"));
  try {
    const hello = funcAt(buildHelloWorld(helloDir), "hello");
    const funcs = [hello, funcAt(output, "webhook"), funcAt(output, "trigger")];
    const samples = new Map<string, Sample[]>(funcs.map((func) => [func.name, []]));
    // One round to warm the file cache, discarded; then interleaved rounds.
    for (const func of funcs) spawnImport(func);
    for (let i = 0; i < SPAWNS; i++) {
      for (const func of i % 2 === 0 ? funcs : [...funcs].reverse()) samples.get(func.name)?.push(spawnImport(func));
    }
    const helloSamples = samples.get("hello") ?? [];
    const helloImport = median(helloSamples.map((s) => s.importMs));
    const helloStart = median(helloSamples.map((s) => s.sinceStartMs));
    const helloSize = sizeOf(hello.dir);
    const results: BenchResult[] = [];
    for (const func of funcs.slice(1)) {
      const own = samples.get(func.name) ?? [];
      const start = median(own.map((s) => s.sinceStartMs));
      const imported = median(own.map((s) => s.importMs));
      const size = sizeOf(func.dir);
      results.push({
        name: `import of the built \`${func.name}\` function in a fresh \`node\``,
        baseline: helloImport,
        value: imported,
        ratio: imported / helloImport,
        unit: "ms",
        ...(func.name === "webhook" ? { target: "≤ 3.00" } : {}),
        note:
          `median of ${SPAWNS} spawns each, interleaved; from process start to handler imported: ` +
          `${start.toFixed(0)} ms vs ${helloStart.toFixed(0)} ms (×${(start / helloStart).toFixed(2)})`,
      });
      results.push({
        name: `size of the built \`${func.name}\` function (du of the .func dir)`,
        baseline: mb(helloSize.du),
        value: mb(size.du),
        ratio: size.du / helloSize.du,
        unit: "MB",
        note:
          `${size.files} files, ${mb(size.bytes).toFixed(1)} MB apparent; traced node_modules: du ` +
          `${mb(size.nodeModulesDu).toFixed(1)} MB, ${mb(size.nodeModulesBytes).toFixed(1)} MB apparent ` +
          `(hello-world: ${helloSize.files} files)`,
      });
    }
    return results;
  } finally {
    rmSync(helloDir, { recursive: true, force: true });
  }
}
