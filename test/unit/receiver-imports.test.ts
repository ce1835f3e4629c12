// The receiver's hot path must not pay for what it does not use: with the memory store and no
// routes that need LangGraph, neither the LangGraph SDK nor the Redis client is loaded.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

function importsOfOneCallback(env: Record<string, string>): { modules: string[]; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "relay-imports-"));
  const traceFile = join(dir, "imports.txt");
  try {
    const result = spawnSync(
      process.execPath,
      ["--import", "./test/support/trace-register.mjs", "--import", "tsx", "test/support/receive-one.ts"],
      {
        cwd: root,
        encoding: "utf8",
        // Only what the function needs: no FORWARD_URL, SLACK_WEBHOOK_URL or REDIS_URL.
        env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", TRACE_IMPORTS_FILE: traceFile, ...env },
        timeout: 60_000,
      },
    );
    expect(result.status, result.stderr).toBe(0);
    return { modules: readFileSync(traceFile, "utf8").split("\n"), output: result.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it("receives a callback without loading the LangGraph SDK or the Redis client", () => {
  const { modules, output } = importsOfOneCallback({ WEBHOOK_TOKEN: "static-token-for-tests-0123456789" });
  expect(output).toContain('"status":200');
  expect(modules.some((url) => url.includes("/api/webhook.ts"))).toBe(true);
  expect(modules.filter((url) => url.includes("@langchain/langgraph-sdk"))).toEqual([]);
  expect(modules.filter((url) => /node_modules\/(@redis|redis)\//.test(url))).toEqual([]);
  expect(modules.filter((url) => url.includes("standardwebhooks"))).toEqual([]);
}, 60_000);

it("does load the Redis client once REDIS_URL is set (the trace sees lazy imports)", () => {
  // Port 9 (discard) is closed on loopback: the store fails fast and the callback is refused with 503.
  const { modules, output } = importsOfOneCallback({ WEBHOOK_TOKEN: "static-token-for-tests-0123456789", REDIS_URL: "redis://127.0.0.1:9" });
  expect(output).toContain('"status":503');
  expect(modules.some((url) => /node_modules\/(@redis|redis)\//.test(url))).toBe(true);
}, 60_000);
