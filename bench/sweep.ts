// The sweep, on a real redis-server: how fast one sweep drains due forward attempts against a local
// target (vs the same forwards POSTed straight at the target with the same concurrency), and what a
// sweep with nothing due costs an idle deployment in Redis commands (INFO commandstats, every command
// a script runs counted). Loopback only; bounded in count and time.
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { newDeliveryRecord } from "../lib/model/delivery.js";
import { redactPayload, runPayloadSchema } from "../lib/model/run-payload.js";
import { defineRoutes, forward } from "../lib/routing/index.js";
import { createRuntime } from "../lib/runtime/runtime.js";
import { jsonLogger } from "../lib/shared/log.js";
import { RedisDeliveryStore } from "../lib/stores/redis-delivery-store.js";
import { runSweep } from "../lib/sweep/sweep.js";
import { fixture } from "../test/support/kit.js";
import { startTarget } from "./receiver.js";
import type { BenchResult } from "./types.js";

const DUE = 2_000;
const CONCURRENCY = 64;
const SECRET = `whsec_${randomBytes(24).toString("base64")}`;

/** Total calls Redis has executed so far (INFO commandstats, summed; scripts' own commands included). */
async function commandCount(url: string): Promise<{ total: number; byCommand: Record<string, number> }> {
  const client = createClient({ url });
  await client.connect();
  try {
    const info = await client.info("commandstats");
    const byCommand: Record<string, number> = {};
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) byCommand[match[1] as string] = Number(match[2]);
    return { total: Object.values(byCommand).reduce((a, b) => a + b, 0), byCommand };
  } finally {
    await client.close();
  }
}

/** What the measuring client itself sends (its connection's HELLO, INFO): not the sweep's. */
const MEASURING = new Set(["info", "hello", "client|setinfo", "client"]);

/** Calls of the sweep's own commands between two readings. */
function sweepCalls(after: Record<string, number>, before: Record<string, number>): number {
  return Object.entries(after)
    .filter(([name]) => !MEASURING.has(name))
    .reduce((sum, [name, calls]) => sum + calls - (before[name] ?? 0), 0);
}

function diff(after: Record<string, number>, before: Record<string, number>): string {
  return Object.entries(after)
    .map(([name, calls]) => [name, calls - (before[name] ?? 0)] as const)
    .filter(([name, calls]) => calls > 0 && !MEASURING.has(name))
    .map(([name, calls]) => `${name.toUpperCase()} ${calls}`)
    .join(", ");
}

export async function benchSweep(redisUrl: string): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  // The target in a process of its own (bench/target.ts "bare": reads the body, answers 200), so that
  // it does not share the sweep's event loop.
  const bare = await startTarget("bare");
  const out = { url: `http://127.0.0.1:${bare.port}` };
  const prefix = `bench-sweep-${randomBytes(4).toString("hex")}:`;
  const store = new RedisDeliveryStore({ url: redisUrl, prefix });
  const runtime = createRuntime({
    env: { WEBHOOK_SECRET: "bench-secret", TRIGGER_TOKEN: "bench-trigger-token-0123456789abcdef", REDIS_URL: redisUrl },
    store,
    log: jsonLogger(() => undefined),
  });
  const router = defineRoutes([{ on: "*", actions: [forward({ name: "out", url: `${out.url}/in`, secret: SECRET })] }], { envDefaults: false });
  try {
    // Baseline: the same number of POSTs straight at the target, 64 at a time (the sweep's bound).
    const body = JSON.stringify({ type: "run.error", run: fixture("error_graph_create") });
    let next = 0;
    let directOk = 0;
    const direct = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < DUE) {
          const response = await fetch(`${out.url}/in`, { method: "POST", body, headers: { "content-type": "application/json" } });
          await response.arrayBuffer();
          if (response.ok) directOk += 1;
        }
      }),
    );
    const directRate = DUE / ((performance.now() - direct) / 1000);

    // 2,000 due forwards: deliveries recorded and planned, their first attempt left to the sweep.
    for (let i = 0; i < DUE; i++) {
      const payload = redactPayload(runPayloadSchema.parse({ ...fixture("error_graph_create"), run_id: `bench-${i}-${randomBytes(4).toString("hex")}` }));
      const delivery = newDeliveryRecord(payload, { receivedAt: new Date(), auth: "static" });
      delivery.verification = { state: "confirmed", by: "receive-only", checked_at: new Date().toISOString() };
      delivery.actions = router.plan(delivery, runtime);
      delivery.routing = "done";
      const { lease } = await store.claim(delivery);
      const commit = await store.commitPlan(delivery, lease, Date.now(), 60_000);
      for (const entry of commit?.actions ?? []) await store.release(entry.lease, Date.now());
    }
    const started = performance.now();
    const counts = await runSweep(runtime, router, { deadline: Date.now() + 52_000, steps: [] });
    const seconds = (performance.now() - started) / 1000;
    const rate = counts.succeeded / seconds;
    results.push({
      name: `due forward attempts drained by one sweep (${DUE}, Redis store, local target) vs the same POSTs sent straight, ${CONCURRENCY} at a time`,
      baseline: directRate,
      value: rate,
      ratio: rate / directRate,
      unit: "attempts/s",
      target: "≥ 500/s",
      met: rate >= 500 && counts.succeeded === DUE,
      note: `${counts.succeeded} succeeded (each a 200 from the target) in ${seconds.toFixed(2)} s; baseline ${directOk} of ${DUE} answered 200`,
    });

    // Idle: nothing due. The due work alone, then the whole sweep with its steps (reconciliation
    // asks nothing when LANGGRAPH_API_URL is unset; with it set, its ledger read is one more).
    const quiet = await commandCount(redisUrl);
    await runSweep(runtime, router, { deadline: Date.now() + 10_000, steps: [] });
    const afterDue = await commandCount(redisUrl);
    await runSweep(runtime, router, { deadline: Date.now() + 10_000 });
    const afterAll = await commandCount(redisUrl);
    const dueOnly = sweepCalls(afterDue.byCommand, quiet.byCommand);
    const whole = sweepCalls(afterAll.byCommand, afterDue.byCommand);
    results.push({
      name: "Redis commands of a sweep with nothing due (due work only)",
      baseline: 3,
      value: dueOnly,
      ratio: dueOnly / 3,
      unit: "commands",
      target: "≤ 3",
      met: dueOnly <= 3,
      note: diff(afterDue.byCommand, quiet.byCommand),
    });
    results.push({
      name: "Redis commands of a whole idle sweep (due work, reconciliation, unanswered pauses)",
      baseline: 3,
      value: whole,
      ratio: whole / 3,
      unit: "commands",
      note: diff(afterAll.byCommand, afterDue.byCommand),
    });
  } finally {
    await runtime.idle();
    await store.close();
    await runtime.ledger.close();
    await bare.stop();
  }
  return results;
}
