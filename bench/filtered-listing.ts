// Bytes a filtered page of /api/deliveries reads from Redis: one `action_state=failed` page (50, the
// list's default size) over 2,000 deliveries of ~50 kB each, the inspector's poll. Baseline: the
// previous version's listing (copied below as `previousListing`: the main index walked in batches of
// 100, every record of a batch read in full and matched in memory). Relay: this store, whose page reads
// the matching ids from an index and only the records of the page. Both over the same deliveries,
// claimed and saved by this store as the receiver and router do. Bytes are Redis's own count of what
// it sent (INFO stats `total_net_output_bytes`), less the INFO reply itself.
import { createClient } from "redis";
import { readFileSync } from "node:fs";
import type { ActionState, DeliveryRecord } from "../lib/model/delivery.js";
import { newDeliveryRecord } from "../lib/model/delivery.js";
import type { RunPayload } from "../lib/model/run-payload.js";
import { RedisDeliveryStore } from "../lib/stores/redis-delivery-store.js";
import type { BenchResult } from "./types.js";

const rawClient = (url: string) => createClient({ url });
type Raw = ReturnType<typeof rawClient>;

/** The listing of the version before the indexes (lib/stores/redis-delivery-store.ts at a3e8cbe^), cursor left out. */
async function previousListing(raw: Raw, prefix: string, limit: number, keep: (record: DeliveryRecord) => boolean): Promise<DeliveryRecord[]> {
  const BATCH = 100;
  const deliveries: DeliveryRecord[] = [];
  let max = "+inf";
  let offset = 0;
  for (;;) {
    const entries = await raw.zRangeWithScores(`${prefix}index`, max, "-inf", { BY: "SCORE", REV: true, LIMIT: { offset, count: BATCH } });
    if (entries.length === 0) return deliveries;
    const raws = await raw.mGet(entries.map((entry) => `${prefix}d:${entry.value}`));
    for (const text of raws) {
      if (text === null) continue;
      const record = JSON.parse(text) as DeliveryRecord;
      if (!keep(record)) continue;
      if (deliveries.length === limit) return deliveries;
      deliveries.push(record);
    }
    if (entries.length < BATCH) return deliveries;
    const last = entries.at(-1)!;
    if (String(last.score) === max) offset += BATCH;
    else {
      max = String(last.score);
      offset = entries.filter((entry) => entry.score === last.score).length;
    }
  }
}

const DELIVERIES = Number(process.env["BENCH_LISTING_DELIVERIES"] ?? 2_000);
const RECORD_KB = 50;
const PAGE = 50;

const base = JSON.parse(readFileSync(new URL("../test/fixtures/thread_runs_create.json", import.meta.url), "utf8")) as RunPayload;

function record(n: number, state: ActionState, receivedAt: number): DeliveryRecord {
  const payload: RunPayload = {
    ...base,
    run_id: `bench-${n}`,
    // A chat thread's values: many small messages, ~RECORD_KB in all.
    values: { messages: Array.from({ length: RECORD_KB }, (_, i) => ({ type: "ai", content: `${n}:${i} `.padEnd(1000, "x") })) },
  };
  const delivery = newDeliveryRecord(payload, { receivedAt: new Date(receivedAt), auth: "minted" });
  delivery.routing = "done";
  delivery.actions = [{ name: "forward", type: "forward", state, attempts: [], updated_at: delivery.received_at }];
  return delivery;
}

interface Case {
  label: string;
  /** Every how many deliveries one failed. */
  failedEvery: number;
}

const CASES: Case[] = [
  { label: `20 of ${DELIVERIES.toLocaleString("en-US")} failed (page not filled: the old path read everything)`, failedEvery: 100 },
  { label: `200 of ${DELIVERIES.toLocaleString("en-US")} failed (page filled)`, failedEvery: 10 },
];

export async function benchFilteredListing(options: { redisUrl: string }): Promise<BenchResult[]> {
  const raw = rawClient(options.redisUrl);
  await raw.connect();
  const results: BenchResult[] = [];
  try {
    const sentBytes = async () => Number(/total_net_output_bytes:(\d+)/.exec(await raw.info("stats"))?.[1]);
    // What one INFO reply adds to the count, to take it off.
    const infoBytes = -((await sentBytes()) - (await sentBytes()));
    const measure = async (list: () => Promise<DeliveryRecord[]>) => {
      const before = await sentBytes();
      const started = performance.now();
      const listed = (await list()).length;
      const ms = performance.now() - started;
      return { bytes: (await sentBytes()) - before - infoBytes, ms, listed };
    };

    for (const [index, { label, failedEvery }] of CASES.entries()) {
      const now = Date.now();
      const records = Array.from({ length: DELIVERIES }, (_, n) =>
        record(n, n % failedEvery === 0 ? "failed" : "succeeded", now - (DELIVERIES - n) * 1000),
      );
      // Claimed (pending) and saved (settled) by this store, as the receiver and router do.
      const indexedPrefix = `bench-indexed-${index}:`;
      const indexed = new RedisDeliveryStore({ url: options.redisUrl, prefix: indexedPrefix });
      for (const delivery of records) {
        const settled = delivery.actions;
        delivery.actions = settled.map((action) => ({ ...action, state: "pending" as const }));
        await indexed.claim(delivery);
        delivery.actions = settled;
        await indexed.save(delivery);
      }
      try {
        await indexed.list({ limit: 1 }); // connected before the count starts
        const before = await measure(() =>
          previousListing(raw, indexedPrefix, PAGE, (r) => r.actions.some((action) => action.state === "failed")),
        );
        const after = await measure(async () => (await indexed.list({ limit: PAGE, filter: { action_state: "failed" } })).deliveries);
        if (before.listed !== after.listed) throw new Error(`the two pages differ: ${before.listed} vs ${after.listed}`);
        const mb = (bytes: number) => bytes / 2 ** 20;
        results.push({
          name: `bytes read from Redis for one \`action_state=failed\` page of ${PAGE}, ${label}`,
          baseline: mb(before.bytes),
          value: mb(after.bytes),
          ratio: after.bytes / before.bytes,
          unit: "MB",
          note:
            `${after.listed} listed; ${Math.round(before.bytes).toLocaleString("en-US")} → ${Math.round(after.bytes).toLocaleString("en-US")} bytes; ` +
            `page in ${before.ms.toFixed(0)} ms → ${after.ms.toFixed(1)} ms; records of ~${RECORD_KB} kB`,
        });
      } finally {
        await indexed.close();
      }
    }
  } finally {
    await raw.close();
  }
  return results;
}
