// lib/config/limits.ts restates vercel.json's maxDurations once; every budget derives from it.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { DISPATCH_BUDGET_MS, MAX_DURATION_SECONDS, REPLAY_BUDGET_MS, STREAM_TIMEOUT_MS, WAIT_TIMEOUT_MS } from "../../lib/config/limits.js";

const vercelJson = JSON.parse(readFileSync(new URL("../../vercel.json", import.meta.url), "utf8")) as {
  functions: Record<string, { maxDuration: number }>;
};

it("restates exactly vercel.json's maxDuration of every function", () => {
  const declared = Object.fromEntries(Object.entries(vercelJson.functions).map(([file, fn]) => [file, fn.maxDuration]));
  expect(MAX_DURATION_SECONDS).toEqual(declared);
});

it("keeps every budget inside its function's limit, with time left to answer", () => {
  expect(DISPATCH_BUDGET_MS).toBeLessThan(vercelJson.functions["api/webhook.ts"]!.maxDuration * 1000);
  expect(REPLAY_BUDGET_MS).toBeLessThan(vercelJson.functions["api/deliveries.ts"]!.maxDuration * 1000);
  expect(Math.max(WAIT_TIMEOUT_MS, STREAM_TIMEOUT_MS)).toBeLessThan(vercelJson.functions["api/trigger.ts"]!.maxDuration * 1000);
});
