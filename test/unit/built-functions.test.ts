// The bundled functions stay small and load only what a request needs: each .func under its size budget,
// and on the cold path — the import, a 401, a callback with the memory store — none of the parts a
// function loads lazily (the LangGraph SDK, the Redis client, Standard Webhooks). Built by the same code
// as `npm run build:vercel` (scripts/bundle-functions.mjs) into a temporary directory, run in plain node.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_DURATION_SECONDS } from "../../lib/config/limits.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Metafile {
  outputs: Record<string, { bytes: number; imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, { bytesInOutput: number }> }>;
}
interface Bundler {
  bundleProject(options: { root: string; outDir: string }): Promise<{ functions: string[]; metafiles: Record<string, Metafile> }>;
  bytesUnder(dir: string): number;
  FUNCTION_BUDGET_BYTES: number;
}

/** Packages no function may load before a request needs them. */
const LAZY = /node_modules\/(@redis\/|redis\/|@langchain\/langgraph-sdk\/|@langchain\/core\/|langsmith\/|standardwebhooks\/|ws\/)/;

let bundler: Bundler;
let outDir: string;
let built: Awaited<ReturnType<Bundler["bundleProject"]>>;

beforeAll(async () => {
  bundler = (await import(pathToFileURL(join(root, "scripts/bundle-functions.mjs")).href)) as Bundler;
  outDir = mkdtempSync(join(tmpdir(), "relay-built-"));
  built = await bundler.bundleProject({ root, outDir });
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const funcDir = (name: string) => join(outDir, "functions", "api", `${name}.func`);

/** The files of a function loaded by importing it: its index.js and every chunk imported statically from there. */
function eagerOutputs(name: string): Set<string> {
  const outputs = built.metafiles[name]?.outputs ?? {};
  const index = Object.keys(outputs).find((file) => file.endsWith("/index.js"));
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of outputs[file]?.imports ?? []) if (imported.kind === "import-statement" && outputs[imported.path] !== undefined) walk(imported.path);
  };
  if (index !== undefined) walk(index);
  return seen;
}

/** The chunk files (relative to the .func) holding a module matching `pattern`. */
function chunksWith(name: string, pattern: RegExp): string[] {
  const outputs = built.metafiles[name]?.outputs ?? {};
  return Object.entries(outputs)
    .filter(([, output]) => Object.keys(output.inputs).some((input) => pattern.test(input)))
    .map(([file]) => file.slice(file.indexOf(".func/") + ".func/".length));
}

it("builds one function per api/*.ts file", () => {
  const sources = readdirSync(join(root, "api")).filter((file) => /\.ts$/.test(file) && !/^[_.]/.test(file)).map((file) => file.slice(0, -3)).sort();
  expect([...built.functions].sort()).toEqual(sources);
});

it("keeps every function under its size budget (1 MiB, every file of the .func)", () => {
  for (const name of built.functions) {
    const bytes = bundler.bytesUnder(funcDir(name));
    expect(bytes, `api/${name}.func is ${bytes} bytes`).toBeLessThanOrEqual(bundler.FUNCTION_BUDGET_BYTES);
  }
});

it("loads the SDK, the Redis client and Standard Webhooks nowhere at import: they are separate chunks", () => {
  for (const name of built.functions) {
    const eager = [...eagerOutputs(name)].flatMap((file) => Object.keys(built.metafiles[name]?.outputs[file]?.inputs ?? {}));
    expect(eager.filter((input) => LAZY.test(input)), `api/${name}`).toEqual([]);
    // zod's locales are ~250 kB of the bundle when zod is imported as `{ z }`: none may come in.
    expect(eager.filter((input) => input.includes("/zod/v4/locales/") && !input.endsWith("/en.js")), `api/${name}`).toEqual([]);
  }
  // They are there, for the requests that need them.
  expect(chunksWith("webhook", /@redis\/client\//).length).toBeGreaterThan(0);
  expect(chunksWith("trigger", /@langchain\/langgraph-sdk\//).length).toBeGreaterThan(0);
});

describe("the built webhook in plain node", () => {
  const token = "static-token-for-tests-0123456789abcdef";
  const callback = readFileSync(join(root, "test/fixtures/thread_runs_create.json"), "utf8");

  /** Answers one request in a fresh `node` with the import trace on; returns the status and the chunks it loaded. */
  function answerOnce(url: string, env: Record<string, string>): { status: number; loaded: string[] } {
    const dir = mkdtempSync(join(tmpdir(), "relay-trace-"));
    const trace = join(dir, "imports.txt");
    try {
      const child = `
        const mod = await import(${JSON.stringify(pathToFileURL(join(funcDir("webhook"), "index.js")).href)});
        const response = await mod.POST(new Request(${JSON.stringify(url)}, { method: "POST", headers: { "content-type": "application/json" }, body: process.env.BODY }));
        process.stdout.write("\\n@status " + response.status + "\\n");
        process.exit(0);`;
      const result = spawnSync(process.execPath, ["--import", join(root, "test/support/trace-register.mjs"), "--input-type=module", "-e", child], {
        cwd: funcDir("webhook"),
        encoding: "utf8",
        env: { PATH: process.env["PATH"] ?? "", TRACE_IMPORTS_FILE: trace, BODY: callback, ...env },
        timeout: 30_000,
      });
      expect(result.status, result.stderr).toBe(0);
      const status = Number(/@status (\d+)/.exec(result.stdout)?.[1]);
      const prefix = pathToFileURL(funcDir("webhook")).href + "/";
      const loaded = readFileSync(trace, "utf8").split("\n").filter((url) => url.startsWith(prefix)).map((url) => url.slice(prefix.length));
      return { status, loaded: [...new Set(loaded)] };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const eagerFiles = () => [...eagerOutputs("webhook")].map((file) => file.slice(file.indexOf(".func/") + ".func/".length));
  const lazyChunks = () => chunksWith("webhook", LAZY);

  it("answers a wrong token with 401 having loaded nothing past its import, the payload's schema not even built", () => {
    const { status, loaded } = answerOnce("http://127.0.0.1/api/webhook?token=wrong-token-0123456789abcdef0123", { WEBHOOK_TOKEN: token });
    expect(status).toBe(401);
    expect(loaded.filter((file) => !eagerFiles().includes(file))).toEqual([]);
    // The schema lives in a chunk of its own, which the import does not load: a 401 never builds it.
    const schema = chunksWith("webhook", /lib\/model\/run-payload\.ts$/);
    expect(schema).toHaveLength(1);
    expect(eagerFiles()).not.toContain(schema[0]);
    // Neither the routes file nor the routing engine behind it is loaded before a callback is recorded.
    expect(eagerFiles().filter((file) => chunksWith("webhook", /(^|\/)routes\.ts$|lib\/routing\/dispatch\.ts$/).includes(file))).toEqual([]);
  }, 60_000);

  it("records a callback with the memory store without loading the SDK, Redis or Standard Webhooks", () => {
    const { status, loaded } = answerOnce(`http://127.0.0.1/api/webhook?token=${token}`, { WEBHOOK_TOKEN: token });
    expect(status).toBe(200);
    expect(lazyChunks().length).toBeGreaterThan(0);
    expect(loaded.filter((file) => lazyChunks().includes(file))).toEqual([]);
  }, 60_000);

  it("does load the Redis chunk once REDIS_URL is set (the trace sees lazy chunks)", () => {
    // Port 9 (discard) is closed on loopback: the store fails fast and the callback is refused with 503.
    const { status, loaded } = answerOnce(`http://127.0.0.1/api/webhook?token=${token}`, { WEBHOOK_TOKEN: token, REDIS_URL: "redis://127.0.0.1:9" });
    expect(status).toBe(503);
    expect(loaded.some((file) => chunksWith("webhook", /@redis\/client\//).includes(file))).toBe(true);
  }, 60_000);
});

it("writes .vc-config.json for Vercel's Node.js launcher with Web handlers, and limits.ts's maxDuration", () => {
  for (const name of built.functions) {
    const config = JSON.parse(readFileSync(join(funcDir(name), ".vc-config.json"), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({ handler: "index.js", launcherType: "Nodejs", shouldAddHelpers: false, supportsResponseStreaming: true });
    expect(config["maxDuration"], name).toBe(MAX_DURATION_SECONDS[`api/${name}.ts` as keyof typeof MAX_DURATION_SECONDS]);
    expect(String(config["runtime"])).toMatch(/^nodejs\d+\.x$/);
    expect(JSON.parse(readFileSync(join(funcDir(name), "package.json"), "utf8"))).toEqual({ type: "module" });
    expect(statSync(join(funcDir(name), "index.js")).isFile()).toBe(true);
  }
});
