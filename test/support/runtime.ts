// The one runtime factory of the tests: an explicit environment (test tokens, a public URL), captured
// log lines, and any of the Runtime's seams replaced (store, clock, fetch, sleep, random, LangGraph calls).
import type { Env } from "../../lib/config/env.js";
import { jsonLogger } from "../../lib/shared/log.js";
import type { Runtime, RuntimeOptions } from "../../lib/runtime/runtime.js";
import { createRuntime, setRuntime } from "../../lib/runtime/runtime.js";

export const TEST_SECRET = "test-webhook-secret";
export const TEST_STATIC_TOKEN = "test-static-webhook-token-0123456789";
export const TEST_TRIGGER_TOKEN = "test-trigger-token-0123456789abcdef";
/** Where tests' runs call back unless a test serves a receiver of its own. */
export const TEST_PUBLIC_URL = "https://relay.test";

export type LogEntry = Record<string, unknown>;

export interface TestRuntime extends Runtime {
  /** Every log line, as written (JSON text). */
  logs: string[];
  /** The same lines, parsed. */
  entries: LogEntry[];
}

/** The seams a test may replace, and a ready configuration instead of the environment. */
export type TestRuntimeOptions = Omit<RuntimeOptions, "env" | "log">;

/** Builds a runtime from the test environment plus `env`; not installed (see installTestRuntime). */
export function createTestRuntime(env: Env = {}, options: TestRuntimeOptions = {}): TestRuntime {
  const logs: string[] = [];
  const entries: LogEntry[] = [];
  const runtime = createRuntime({
    env: {
      WEBHOOK_SECRET: TEST_SECRET,
      WEBHOOK_TOKEN: TEST_STATIC_TOKEN,
      TRIGGER_TOKEN: TEST_TRIGGER_TOKEN,
      PUBLIC_URL: TEST_PUBLIC_URL,
      ...env,
    },
    log: jsonLogger((line) => {
      logs.push(line);
      entries.push(JSON.parse(line) as LogEntry);
    }),
    ...options,
  });
  return Object.assign(runtime, { logs, entries });
}

/** Builds a runtime and installs it as the process runtime that the api/ handlers use. */
export function installTestRuntime(env: Env = {}, options: TestRuntimeOptions = {}): TestRuntime {
  const runtime = createTestRuntime(env, options);
  setRuntime(runtime);
  return runtime;
}
