// The test kit: the helpers every tier needs, defined once. `fixture` reads a payload LangGraph really
// sent (test/fixtures/*.json), `trigger` POSTs to a served /api/trigger with the test token, and
// `settled` waits, within a bound, until a served API has finished routing what it received.
import { readFileSync } from "node:fs";
import { withTimeout } from "../../lib/shared/timeout.js";
import { TEST_TRIGGER_TOKEN } from "./runtime.js";

export type Json = Record<string, unknown>;

/** A captured callback body, e.g. `fixture("thread_runs_create")`; a fresh copy on every call. */
export function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), "utf8")) as Json;
}

export interface TriggerOptions {
  /** The bearer token; null sends no Authorization header. @default TEST_TRIGGER_TOKEN */
  token?: string | null;
  headers?: Record<string, string>;
  /** Sent as the body instead of `JSON.stringify(body)` (bodies that are not JSON, or too large). */
  raw?: string | Uint8Array<ArrayBuffer>;
  signal?: AbortSignal;
}

/**
 * POST /api/trigger on a served API: `api` is its base URL or anything with a `url` (an ApiServer,
 * read at call time, so a server started in beforeAll can be passed from the test).
 */
export function trigger(api: string | { url: string }, body: unknown, options: TriggerOptions = {}): Promise<Response> {
  const baseUrl = typeof api === "string" ? api : api.url;
  const token = options.token === undefined ? TEST_TRIGGER_TOKEN : options.token;
  return fetch(`${baseUrl}/api/trigger`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...options.headers,
    },
    body: options.raw ?? JSON.stringify(body),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

/** Resolves once the API's background work (routing) is done; fails after `budgetMs`. */
export async function settled(api: { runtime: { idle(): Promise<void> } }, budgetMs: number): Promise<void> {
  await withTimeout(api.runtime.idle(), budgetMs, "routing did not settle");
}
