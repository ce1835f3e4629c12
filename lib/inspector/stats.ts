// The inspector's health strip: what GET /api/deliveries?stats=1 answers — callbacks per minute and
// how many failed over the last hour, read from the store's newest-first pages (bounded), and the
// few facts the page needs to link a run to LangSmith (a URL, never the key). Pure but for the store.
import * as z from "zod";
import type { Config } from "../config/env.js";
import type { DeliveryRecord } from "../model/delivery.js";
import { badRequest } from "../shared/errors.js";
import { describeIssuesAsSentences } from "../shared/zod-issues.js";
import type { DeliveryStore } from "../stores/delivery-store.js";
import { outcomeOf } from "./present.js";

/** The window the strip shows, in one-minute buckets. */
export const STATS_WINDOW_MS = 60 * 60_000;
export const STATS_BUCKET_MS = 60_000;
/** At most this many records are read per answer (5 store pages): a flood reads as "at least". */
export const STATS_MAX_RECORDS = 1000;
const PAGE = 200;

/** Where LangSmith Studio opens a thread of a deployment (`?baseUrl=` names the deployment). */
export const STUDIO_THREAD_URL = "https://smith.langchain.com/studio/thread/";

export interface StatsBucket {
  /** Start of the minute (ISO). */
  start: string;
  callbacks: number;
  /** Deliveries with an action that failed (dead, or failed before durable retries). */
  failed: number;
  /** Callbacks of runs that ended badly: run.error, run.timeout, run.rollback. */
  run_errors: number;
}

export interface DeliveryStats {
  since: string;
  until: string;
  bucket_ms: number;
  /** Oldest first; one per minute of the window. */
  buckets: StatsBucket[];
  callbacks: number;
  failed: number;
  run_errors: number;
  /** Deliveries still routing or retrying. */
  pending: number;
  /** False when the window held more than STATS_MAX_RECORDS records: the counts are then lower bounds. */
  complete: boolean;
}

export interface StatsAnswer {
  stats: DeliveryStats;
  /**
   * Set when LANGSMITH_API_KEY and LANGGRAPH_API_URL are: the page links a thread to LangSmith Studio.
   * Only the deployment's URL is said, never the key.
   */
  langsmith: { studio_thread_url: string; deployment_url: string } | null;
}

export const statsSchema = z.strictObject({
  stats: z.literal("1", { message: 'must be "1" (GET /api/deliveries?stats=1)' }),
});

/** `?stats=1` alone; anything beside it is refused, so a typo never silently widens the query. */
export function parseStatsQuery(params: URLSearchParams): void {
  const raw: Record<string, string> = {};
  for (const [name, value] of params) {
    if (Object.hasOwn(raw, name)) throw badRequest("invalid_request", `Query parameter ${JSON.stringify(name.slice(0, 40))} is given more than once.`);
    raw[name] = value;
  }
  const parsed = statsSchema.safeParse(raw);
  if (!parsed.success) {
    throw badRequest("invalid_request", `Invalid query: ${describeIssuesAsSentences(parsed.error)}. Ask for the health figures with stats=1 alone.`);
  }
}

const BAD_RUN_EVENTS = new Set(["run.error", "run.timeout", "run.rollback"]);

/** Counts records into the window's minutes; records outside the window are ignored. */
export function bucketize(records: readonly DeliveryRecord[], now: number, complete: boolean): DeliveryStats {
  const count = STATS_WINDOW_MS / STATS_BUCKET_MS;
  // The last bucket ends at the end of the current minute, so buckets stay aligned to the clock.
  const end = Math.floor(now / STATS_BUCKET_MS) * STATS_BUCKET_MS + STATS_BUCKET_MS;
  const start = end - STATS_WINDOW_MS;
  const buckets: StatsBucket[] = Array.from({ length: count }, (_, index) => ({
    start: new Date(start + index * STATS_BUCKET_MS).toISOString(),
    callbacks: 0,
    failed: 0,
    run_errors: 0,
  }));
  const totals = { callbacks: 0, failed: 0, run_errors: 0, pending: 0 };
  for (const record of records) {
    const at = Date.parse(record.received_at);
    if (!Number.isFinite(at) || at < start || at >= end) continue;
    const bucket = buckets[Math.floor((at - start) / STATS_BUCKET_MS)];
    if (bucket === undefined) continue;
    const outcome = outcomeOf(record);
    bucket.callbacks += 1;
    totals.callbacks += 1;
    if (outcome === "failed") {
      bucket.failed += 1;
      totals.failed += 1;
    }
    if (outcome === "pending") totals.pending += 1;
    if (BAD_RUN_EVENTS.has(record.event)) {
      bucket.run_errors += 1;
      totals.run_errors += 1;
    }
  }
  return { since: new Date(start).toISOString(), until: new Date(end).toISOString(), bucket_ms: STATS_BUCKET_MS, buckets, ...totals, complete };
}

/** Reads the window's records, newest first, stopping at the window's start or the bound. */
export async function deliveryStats(store: DeliveryStore, config: Pick<Config, "langsmithApiKey" | "langgraphApiUrl">, now: number): Promise<StatsAnswer> {
  const since = Math.floor(now / STATS_BUCKET_MS) * STATS_BUCKET_MS + STATS_BUCKET_MS - STATS_WINDOW_MS;
  const records: DeliveryRecord[] = [];
  let cursor: string | undefined;
  let complete = true;
  for (;;) {
    const page = await store.list({ limit: PAGE, cursor });
    const inWindow = page.deliveries.filter((record) => Date.parse(record.received_at) >= since);
    records.push(...inWindow);
    const reachedStart = inWindow.length < page.deliveries.length;
    if (reachedStart || page.nextCursor === undefined) break;
    if (records.length >= STATS_MAX_RECORDS) {
      complete = false;
      break;
    }
    cursor = page.nextCursor;
  }
  const langsmith =
    config.langsmithApiKey !== undefined && config.langgraphApiUrl !== undefined
      ? { studio_thread_url: STUDIO_THREAD_URL, deployment_url: publicPart(config.langgraphApiUrl) }
      : null;
  return { stats: bucketize(records.slice(0, STATS_MAX_RECORDS), now, complete), langsmith };
}

/** The URL without credentials, query or fragment: a URL with `user:pass@` must not reach the page. */
function publicPart(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`.replace(/\/$/, "");
}
