// The start-up check of every service `npm run dev` is configured with, for the banner: each one
// reachable or not, and if not, the variable to fix. Redis is checked through the relay's own delivery
// store (a one-record listing), so the banner says what a request would be told; LangGraph by its
// `/ok` and `/info` (which also says whether it has crons).
import type { DeliveryStore } from "../lib/stores/delivery-store.js";
import { redisAddress } from "../lib/shared/errors.js";
import { describeError } from "../lib/shared/log.js";

export interface ServiceCheck {
  /** e.g. "Redis", "LangGraph" */
  service: string;
  /** The variable that configures it. */
  variable: string;
  ok: boolean;
  /** One line: what was reached, or what failed and what to do. */
  detail: string;
  /** LangGraph only: false when its /info says it has no crons. */
  crons?: boolean;
}

const CHECK_TIMEOUT_MS = 3_000;

export async function checkRedis(store: DeliveryStore, url: string): Promise<ServiceCheck> {
  try {
    await store.list({ limit: 1 });
    return { service: "Redis", variable: "REDIS_URL", ok: true, detail: `${redisAddress(url)} reachable` };
  } catch (error) {
    return {
      service: "Redis",
      variable: "REDIS_URL",
      ok: false,
      detail:
        `${redisAddress(url)} did not answer (${describeCause(error)}): deliveries cannot be recorded and callbacks ` +
        "are answered 503 until it does. Start Redis there, or fix REDIS_URL (unset it for the in-memory store).",
    };
  }
}

function describeCause(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return describeError(cause);
}

async function get(url: string, apiKey: string | undefined): Promise<Response> {
  return fetch(url, {
    headers: apiKey === undefined ? {} : { "x-api-key": apiKey },
    signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
  });
}

export async function checkLangGraph(url: string, apiKey: string | undefined): Promise<ServiceCheck> {
  const base = url.replace(/\/+$/, "");
  // The key is advice only where the server refused one (401/403): an address that does not answer
  // is fixed in LANGGRAPH_API_URL, whatever the key.
  const failed = (detail: string, refused = false): ServiceCheck => ({
    service: "LangGraph",
    variable: "LANGGRAPH_API_URL",
    ok: false,
    detail: refused
      ? `${new URL(base).host} ${detail}: runs cannot start. ${apiKey === undefined ? "Set LANGSMITH_API_KEY" : "Fix LANGSMITH_API_KEY"} (the deployment's key), or fix LANGGRAPH_API_URL.`
      : `${new URL(base).host} ${detail}: runs cannot start. Fix LANGGRAPH_API_URL (unset it for the embedded server).`,
  });
  try {
    const ok = await get(`${base}/ok`, apiKey);
    if (ok.status === 401 || ok.status === 403) return failed(apiKey === undefined ? `asks for a key (HTTP ${ok.status})` : `refused the key (HTTP ${ok.status})`, true);
    if (!ok.ok) return failed(`answered GET /ok with HTTP ${ok.status}`);
  } catch (error) {
    return failed(`did not answer (${describeCause(error)})`);
  }
  let crons: boolean | undefined;
  try {
    const info = await get(`${base}/info`, apiKey);
    if (info.ok) {
      const flags = ((await info.json()) as { flags?: { crons?: unknown } } | null)?.flags;
      crons = flags?.crons !== false;
    }
  } catch {
    // /info is optional: older servers have none.
  }
  return { service: "LangGraph", variable: "LANGGRAPH_API_URL", ok: true, detail: `${new URL(base).host} reachable`, ...(crons === undefined ? {} : { crons }) };
}
