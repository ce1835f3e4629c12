// Cold start of the built functions: a fresh plain `node` process (no loader, an environment of its own)
// imports the handler that `npm run build:vercel` wrote (.vercel/output/functions/api/<name>.func) and
// answers one request; the figure is the time from process start to that answer, against a hello-world
// function bundled by the same script (scripts/bundle-functions.mjs) in a temporary project. Spawns are
// interleaved and the medians reported, with the size of each built function.
//   webhook: one real callback (static token, memory store) → 200;  webhook 401: a wrong token → 401;
//   trigger: one `create` against a fake LangGraph on loopback (test/support/fake-langgraph.ts: the embedded
//   server takes seconds to start, and a run started there would cost the same to both sides anyway).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FakeLangGraph } from "../test/support/fake-langgraph.js";
import type { BenchResult } from "./types.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const SPAWNS = Number(process.env["BENCH_COLD_SPAWNS"] ?? 15);
/** Bounds on one build and one spawn. */
const BUILD_TIMEOUT_MS = 240_000;
const SPAWN_TIMEOUT_MS = 30_000;

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
  const marker = join(output, "config.json");
  const sources = ["api", "lib", "routes.ts", "package.json", "vercel.json", "scripts/bundle-functions.mjs"].map((path) => join(root, path));
  if (existsSync(marker) && statSync(marker).mtimeMs > Math.max(...sources.map(newestMtime))) return output;
  console.error("[bench] .vercel/output is missing or older than the sources: npm run build:vercel");
  const built = spawnSync(process.execPath, [join(root, "scripts", "build-vercel.mjs"), "--no-typecheck"], { cwd: root, stdio: ["ignore", "inherit", "inherit"], timeout: BUILD_TIMEOUT_MS });
  if (built.status !== 0) throw new Error(`npm run build:vercel failed (${built.status ?? built.signal ?? "?"})`);
  return output;
}

/** A minimal project with api/hello.ts, bundled by the same script; returns its output dir. */
async function buildHelloWorld(dir: string): Promise<string> {
  const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { type?: string; engines?: unknown };
  mkdirSync(join(dir, "api"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "hello-world", version: "0.0.0", private: true, type: own.type, engines: own.engines }, null, 2));
  writeFileSync(
    join(dir, "api", "hello.ts"),
    'export async function POST(request: Request): Promise<Response> {\n  await request.text();\n  return new Response("hi");\n}\n',
  );
  const { bundleProject } = (await import(pathToFileURL(join(root, "scripts", "bundle-functions.mjs")).href)) as {
    bundleProject: (options: { root: string; outDir: string }) => Promise<unknown>;
  };
  const outDir = join(dir, ".vercel", "output");
  await bundleProject({ root: dir, outDir });
  return outDir;
}

/**
 * Child: import the handler, answer one request, report ms since the process started (performance.now()
 * counts from the process's time origin) at the import and at the answer, then exit without waiting
 * for work after the answer (as a frozen function would).
 */
const CHILD = `
const [handler, method, url, body, authorization] = process.argv.slice(1);
const mod = await import(handler);
const imported = performance.now();
const headers = { "content-type": "application/json" };
if (authorization) headers.authorization = authorization;
const response = await mod[method](new Request(url, { method, headers, body: body || undefined }));
const text = await response.text();
const answered = performance.now();
const cpu = process.cpuUsage();
process.stdout.write("\\n@cold-sample " + JSON.stringify({ imported, answered, cpuMs: (cpu.user + cpu.system) / 1000, status: response.status, text: text.slice(0, 300) }) + "\\n");
process.exit(0);
`;

interface Sample {
  imported: number;
  answered: number;
  /** CPU time (user + system, every thread) from process start to the answer: what the machine's load hardly changes. */
  cpuMs: number;
  status: number;
  text: string;
}

interface Case {
  label: string;
  func: Func;
  method: string;
  url: string;
  body: string;
  authorization?: string;
  env: Record<string, string>;
  expectStatus: number;
}

/** Async so that the fake LangGraph in this process can answer the child. */
function spawnOnce(c: Case): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, pathToFileURL(c.func.handler).href, c.method, c.url, c.body, c.authorization ?? ""], {
      cwd: c.func.dir,
      // A plain node: none of the loaders or options this process may carry.
      env: { PATH: process.env["PATH"] ?? "", ...c.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), SPAWN_TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${c.label} exited ${code}: ${err.slice(-1000)}`));
      // The function's own log lines share stdout with the sample.
      const line = out.split("\n").find((text) => text.startsWith("@cold-sample "));
      if (line === undefined) return reject(new Error(`${c.label} printed no sample: ${out.slice(-500)}`));
      const sample = JSON.parse(line.slice("@cold-sample ".length)) as Sample;
      if (sample.status !== c.expectStatus) return reject(new Error(`${c.label} answered ${sample.status}: ${sample.text}`));
      resolve(sample);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Apparent size (what Vercel counts) and `du` (allocated blocks) of a directory, and its file count. */
function sizeOf(dir: string): { bytes: number; du: number; files: number } {
  const size = { bytes: 0, du: 0, files: 0 };
  const walk = (path: string) => {
    const info = lstatSync(path);
    size.du += info.blocks * 512;
    if (info.isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry));
      return;
    }
    size.files += 1;
    size.bytes += info.size;
  };
  walk(dir);
  return size;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} kB`;

export async function benchColdStart(): Promise<BenchResult[]> {
  const output = ensureProjectBuilt();
  const helloDir = mkdtempSync(join(tmpdir(), "relay-hello-"));
  const langgraph = new FakeLangGraph();
  await langgraph.start();
  try {
    const hello = funcAt(await buildHelloWorld(helloDir), "hello");
    const webhook = funcAt(output, "webhook");
    const trigger = funcAt(output, "trigger");
    const callback = readFileSync(join(root, "test", "fixtures", "thread_runs_create.json"), "utf8");
    const staticToken = "cold-start-static-token-0123456789abcdef";
    const triggerToken = "cold-start-trigger-token-0123456789abcdef";
    const cases: Case[] = [
      { label: "hello", func: hello, method: "POST", url: "http://127.0.0.1/api/hello", body: "{}", env: {}, expectStatus: 200 },
      {
        label: "webhook",
        func: webhook,
        method: "POST",
        url: `http://127.0.0.1/api/webhook?token=${staticToken}`,
        body: callback,
        env: { WEBHOOK_TOKEN: staticToken },
        expectStatus: 200,
      },
      {
        label: "webhook 401",
        func: webhook,
        method: "POST",
        url: "http://127.0.0.1/api/webhook?token=wrong-token-0123456789abcdef0123",
        body: callback,
        env: { WEBHOOK_TOKEN: staticToken },
        expectStatus: 401,
      },
      {
        label: "trigger",
        func: trigger,
        method: "POST",
        url: "http://127.0.0.1/api/trigger",
        body: JSON.stringify({ assistant_id: "agent", input: { input: "cold" } }),
        authorization: `Bearer ${triggerToken}`,
        env: { TRIGGER_TOKEN: triggerToken, WEBHOOK_SECRET: "cold-start-webhook-secret-0123456789abcdef", LANGGRAPH_API_URL: langgraph.url, PUBLIC_URL: "https://relay.example" },
        expectStatus: 202,
      },
    ];
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.label, []]));
    // One round to warm the file cache, discarded; then interleaved rounds, the order reversed each time.
    for (const c of cases) await spawnOnce(c);
    for (let i = 0; i < SPAWNS; i++) {
      for (const c of i % 2 === 0 ? cases : [...cases].reverse()) samples.get(c.label)?.push(await spawnOnce(c));
    }
    const of = (label: string) => samples.get(label) ?? [];
    const helloAnswered = median(of("hello").map((s) => s.answered));
    const helloImported = median(of("hello").map((s) => s.imported));
    const helloCpu = median(of("hello").map((s) => s.cpuMs));
    const helloSize = sizeOf(hello.dir);
    const row = (label: string, name: string, target: string | undefined): BenchResult => {
      const answered = median(of(label).map((s) => s.answered));
      const imported = median(of(label).map((s) => s.imported));
      const cpu = median(of(label).map((s) => s.cpuMs));
      return {
        name,
        baseline: helloAnswered,
        value: answered,
        ratio: answered / helloAnswered,
        unit: "ms",
        ...(target === undefined ? {} : { target }),
        note:
          `median of ${SPAWNS} spawns each, interleaved, from process start to the answer; ` +
          `of which to the handler imported: ${imported.toFixed(0)} ms vs ${helloImported.toFixed(0)} ms; ` +
          `CPU time to the answer ${cpu.toFixed(0)} ms vs ${helloCpu.toFixed(0)} ms (×${(cpu / helloCpu).toFixed(2)})`,
      };
    };
    const results: BenchResult[] = [
      row("webhook", "cold first response of the built `webhook` (one real callback, memory store) vs hello-world", "≤ 1.50"),
      row("webhook 401", "cold first response of the built `webhook` to a wrong token (401) vs hello-world", undefined),
      row("trigger", "cold first response of the built `trigger` (one `create`, fake LangGraph on loopback) vs hello-world", "≤ 2.00"),
    ];
    const budget = 1024 * 1024;
    for (const func of [webhook, trigger, ...["crons", "deliveries", "openapi"].map((name) => funcAt(output, name))]) {
      const size = sizeOf(func.dir);
      // Against the budget (the 1 MB), not the hello-world: a ratio to 600 bytes says nothing.
      results.push({
        name: `size of the built \`${func.name}\` function (every file of its .func) vs the 1 MiB budget`,
        baseline: budget / 2 ** 20,
        value: size.bytes / 2 ** 20,
        ratio: size.bytes / budget,
        unit: "MB",
        target: "≤ 1.00",
        note: `${kb(size.bytes)} in ${size.files} files (du ${kb(size.du)}); hello-world ${kb(helloSize.bytes)} in ${helloSize.files} files; \`vercel build\` made ~12 MB in ~1,450 files`,
      });
    }
    return results;
  } finally {
    await langgraph.stop();
    rmSync(helloDir, { recursive: true, force: true });
  }
}
