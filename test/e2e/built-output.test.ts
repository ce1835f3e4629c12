// Proof of deployment: the output of `npm run build:vercel` (the esbuild bundles `vercel deploy --prebuilt`
// uploads) served in a plain `node` process (no tsx, no TypeScript) — each function from its .func
// directory, static files from static/ — runs the same
// end-to-end flow as the dev stack, with Redis as the store shared between functions, as on Vercel.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLangGraphServer } from "../../dev/langgraph-server.js";
import { MAX_DURATION_SECONDS } from "../../lib/config/limits.js";
import { openApiDocument } from "../../lib/openapi/document.js";
import { runMission } from "../support/mission.js";
import { freePort } from "../support/ports.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { TestReceiver } from "../support/routing.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const output = join(root, ".vercel/output");

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Builds unless a build newer than every source file is already there (CI builds just before). */
function ensureBuild(): void {
  const built = join(output, "config.json");
  const sources = [
    ...["api", "lib", "public"].flatMap((dir) => filesUnder(join(root, dir))),
    ...["routes.ts", "vercel.json", "package.json", "scripts/bundle-functions.mjs"].map((file) => join(root, file)),
  ];
  const newestSource = Math.max(...sources.map((file) => statSync(file).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs > newestSource) return;
  console.warn("building .vercel/output (npm run build:vercel) for the built-output test…");
  const result = spawnSync(process.execPath, ["scripts/build-vercel.mjs"], { cwd: root, encoding: "utf8", timeout: 240_000 });
  if (result.status !== 0) throw new Error(`npm run build:vercel failed:\n${result.stdout}\n${result.stderr}`);
}

describe.runIf(redisAvailable())("the built Vercel output", () => {
  const FORWARD_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
  const TRIGGER_TOKEN = randomBytes(16).toString("hex");
  let redis: RedisServer;
  let langgraph: Awaited<ReturnType<typeof startLangGraphServer>>;
  let receiver: TestReceiver;
  let server: ChildProcess;
  let baseUrl: string;
  const serverOutput: string[] = [];

  beforeAll(async () => {
    ensureBuild();
    [redis, langgraph, receiver] = await Promise.all([
      startRedis(),
      startLangGraphServer(),
      new TestReceiver(FORWARD_SECRET).listen(),
    ]);
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, ["scripts/serve-vercel-output.mjs", String(port)], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      // Only what a deployment would have: no tsx, no test globals.
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? "",
        TRIGGER_TOKEN,
        WEBHOOK_SECRET: randomBytes(16).toString("hex"),
        LANGGRAPH_API_URL: langgraph.url,
        REDIS_URL: redis.url,
        FORWARD_URL: `${receiver.url}/hooks`,
        FORWARD_SECRET,
        PUBLIC_URL: baseUrl,
      },
    });
    createInterface({ input: server.stderr! }).on("line", (line) => serverOutput.push(line));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: server.stdout! }).on("line", (line) => {
        serverOutput.push(line);
        if (line.startsWith("listening on")) resolve();
      });
      server.once("exit", (code) => reject(new Error(`built server exited with ${code}: ${serverOutput.join("\n")}`)));
    });
  }, 600_000);

  afterAll(async () => {
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    await langgraph?.stop();
    await receiver?.close();
    await redis?.stop();
  });

  it("builds one function per file in api/, with lib/config/limits.ts's maxDuration", () => {
    const durations: Record<string, number> = MAX_DURATION_SECONDS;
    const sources = readdirSync(join(root, "api")).filter((file) => file.endsWith(".ts")).map((file) => file.slice(0, -3)).sort();
    const built = readdirSync(join(output, "functions/api")).filter((dir) => dir.endsWith(".func")).map((dir) => dir.slice(0, -5)).sort();
    expect(built).toEqual(sources);
    for (const name of sources) {
      const config = JSON.parse(readFileSync(join(output, `functions/api/${name}.func/.vc-config.json`), "utf8")) as {
        maxDuration?: number;
        runtime: string;
      };
      expect(config.maxDuration, name).toBe(durations[`api/${name}.ts`]);
      expect(config.runtime).toMatch(/^nodejs/);
    }
  });

  it("serves public/ alone as static files: no source, config or tests exposed", async () => {
    const staticFiles = filesUnder(join(output, "static")).map((file) => relative(join(output, "static"), file)).sort();
    const publicFiles = filesUnder(join(root, "public")).map((file) => relative(join(root, "public"), file)).sort();
    expect(staticFiles).toEqual(publicFiles);
    for (const path of ["/package.json", "/tsconfig.json", "/vercel.json", "/lib/config/env.ts", "/routes.ts", "/README.md", "/test/handlers/webhook.test.ts", "/.env"]) {
      expect((await fetch(`${baseUrl}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${baseUrl}/`)).headers.get("content-type")).toMatch(/text\/html/);
  });

  it("serves the OpenAPI document at /api/openapi.json, through vercel.json's rewrite", async () => {
    const response = await fetch(`${baseUrl}/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe("3.1.0");
    // The bundle serves the document the sources generate: every operation, none lost in bundling.
    expect(Object.keys(document.paths)).toEqual(Object.keys(openApiDocument().paths));
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/api/trigger", "/api/crons", "/api/webhook", "/api/deliveries", "/api/openapi.json"]));
  });

  it("answers wrong methods with the pinned 405 from every built function", async () => {
    for (const name of ["webhook", "trigger", "crons"]) {
      const response = await fetch(`${baseUrl}/api/${name}`, { method: "PUT" });
      expect(response.status).toBe(405);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
    }
  });

  it("runs the whole mission: every mode, each callback forwarded once and signed", async () => {
    await runMission(baseUrl, TRIGGER_TOKEN, receiver);
    expect(serverOutput.join("\n")).not.toContain("FUNCTION_INVOCATION_FAILED");
    expect(serverOutput.join("\n")).not.toContain(TRIGGER_TOKEN);
  }, 180_000);
});
