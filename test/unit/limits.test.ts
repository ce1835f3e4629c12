// lib/config/limits.ts holds every function's maxDuration, the build writes them into .vc-config.json,
// and every budget derives from them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, expect, it } from "vitest";
import { DISPATCH_BUDGET_MS, MAX_DURATION_SECONDS, REPLAY_BUDGET_MS, STREAM_TIMEOUT_MS, WAIT_TIMEOUT_MS } from "../../lib/config/limits.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Bundler {
  functionSources(root: string): { name: string; source: string }[];
  maxDurations(root: string): Promise<Record<string, number>>;
  VERCEL_BUILDS: unknown[];
}
let bundler: Bundler;

beforeAll(async () => {
  bundler = (await import(pathToFileURL(join(root, "scripts/bundle-functions.mjs")).href)) as Bundler;
});

it("gives every function in api/ a maxDuration, and none to a file that is not there", () => {
  const sources = bundler.functionSources(root).map((fn) => fn.source).sort();
  expect(Object.keys(MAX_DURATION_SECONDS).sort()).toEqual(sources);
});

it("is where the build reads the durations from", async () => {
  expect(await bundler.maxDurations(root)).toEqual(MAX_DURATION_SECONDS);
});

it("leaves vercel.json without `functions`, and its `builds` running the project's own build", () => {
  // Vercel refuses `functions` beside `builds`; without `builds`, a remote build replaces the bundles.
  const vercelJson = JSON.parse(readFileSync(join(root, "vercel.json"), "utf8")) as Record<string, unknown>;
  expect(vercelJson["functions"]).toBeUndefined();
  expect(vercelJson["builds"]).toEqual(bundler.VERCEL_BUILDS);
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
  expect(pkg.scripts["vercel-build"]).toBe("node scripts/build-vercel.mjs --inside-vercel-build");
});

it("keeps every budget inside its function's limit, with time left to answer", () => {
  expect(DISPATCH_BUDGET_MS).toBeLessThan(MAX_DURATION_SECONDS["api/webhook.ts"] * 1000);
  expect(REPLAY_BUDGET_MS).toBeLessThan(MAX_DURATION_SECONDS["api/deliveries.ts"] * 1000);
  expect(Math.max(WAIT_TIMEOUT_MS, STREAM_TIMEOUT_MS)).toBeLessThan(MAX_DURATION_SECONDS["api/trigger.ts"] * 1000);
});
