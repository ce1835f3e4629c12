// A runtime for handler tests: explicit environment, captured log lines, a chosen store.
import type { Env } from "../../lib/config/env.js";
import { jsonLogger } from "../../lib/shared/log.js";
import type { Runtime, RuntimeOptions } from "../../lib/runtime/runtime.js";
import { createRuntime, setRuntime } from "../../lib/runtime/runtime.js";

export const TEST_SECRET = "test-webhook-secret";
export const TEST_STATIC_TOKEN = "test-static-webhook-token-0123456789";
export const TEST_TRIGGER_TOKEN = "test-trigger-token-0123456789abcdef";
/** Where tests' runs call back unless a test serves a receiver of its own. */
export const TEST_PUBLIC_URL = "https://relay.test";

export interface TestRuntime extends Runtime {
  logs: string[];
}

/** Builds a runtime and installs it as the process runtime that the api/ handlers use. */
export function installTestRuntime(env: Env = {}, options: Omit<RuntimeOptions, "env" | "log"> = {}): TestRuntime {
  const logs: string[] = [];
  const runtime = createRuntime({
    env: {
      WEBHOOK_SECRET: TEST_SECRET,
      WEBHOOK_TOKEN: TEST_STATIC_TOKEN,
      TRIGGER_TOKEN: TEST_TRIGGER_TOKEN,
      PUBLIC_URL: TEST_PUBLIC_URL,
      ...env,
    },
    log: jsonLogger((line) => logs.push(line)),
    ...options,
  });
  setRuntime(runtime);
  return Object.assign(runtime, { logs });
}
