// What every fuzz suite checks of an answer, defined once: a designed status, the pinned error shape,
// and no secret of the relay (nor a credential the request presented) in the answer or the log.
import fc from "fast-check";
import { expect } from "vitest";
import type { Handler } from "../../lib/http/methods.js";
import { TEST_SECRET, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN } from "./runtime.js";

/** Multiplies every suite's number of runs (FUZZ_RUNS_SCALE=10 for a long night). */
export const RUNS = Number(process.env["FUZZ_RUNS_SCALE"] ?? 1);

/** Secrets the relay holds; none may ever appear in an answer or a log line. */
export const SECRETS = [TEST_SECRET, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN, "whsec_ZnV6ei1mb3J3YXJkLXNlY3JldA=="];

/** Strings shaped like tokens: random, minted-looking, and near misses of the static token. */
export const tokenShaped = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.tuple(fc.base64String(), fc.base64String()).map(([a, b]) => `v1.${a}.${b}`.replace(/[+/=]/g, "_")),
  fc.constant(TEST_STATIC_TOKEN),
  fc.constant(TEST_STATIC_TOKEN.slice(0, -1)),
  fc.constant(`${TEST_STATIC_TOKEN}x`),
);

export interface Outcome {
  status: number;
  text: string;
}

/** Calls the export of an api/ module for the request's method, and reads the whole answer. */
export async function send(handlers: Record<string, Handler>, request: Request): Promise<Outcome> {
  const handler = handlers[request.method];
  if (handler === undefined) throw new Error(`no export for ${request.method}`);
  const response = await handler(request);
  return { status: response.status, text: await response.text() };
}

/** A designed status, the pinned `{error: {code, message}}` shape, and no secret in the answer. */
export function assertPinned(outcome: Outcome, allowed: readonly number[], presented: string[]): void {
  expect(allowed, `unexpected status ${outcome.status}: ${outcome.text.slice(0, 200)}`).toContain(outcome.status);
  if (outcome.status >= 400) {
    const parsed = JSON.parse(outcome.text) as { error?: { code?: unknown; message?: unknown } };
    expect(Object.keys(parsed)).toEqual(["error"]);
    expect(typeof parsed.error?.code).toBe("string");
    expect(typeof parsed.error?.message).toBe("string");
  }
  for (const secret of [...SECRETS, ...presented.filter((token) => token.length >= 12)]) {
    expect(outcome.text).not.toContain(secret);
  }
}

/** No secret, and no credential the request presented, in any log line. */
export function assertLogsClean(logs: readonly string[], presented: string[]): void {
  const text = logs.join("\n");
  for (const secret of [...SECRETS, ...presented.filter((token) => token.length >= 12)]) {
    expect(text).not.toContain(secret);
  }
}
