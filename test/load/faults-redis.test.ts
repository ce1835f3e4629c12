// Redis failing in the middle of a load run, through the real /api/webhook over real HTTP with the
// Redis store (REDIS_URL) and the FORWARD_URL route. The promise under test is the receiver's: 200
// only once the delivery is recorded, 503 when it could not be (so that LangGraph retries), recovery
// without a restart — and every recorded delivery routed once, its record brought up to date.
//
// - Killed (SIGKILL) with an append-only file fsynced before every reply: whatever Redis acknowledged
//   survives, so after `restart()` every callback answered 200 must be there, and every callback sent
//   while Redis was down must have been answered 503 and be absent. Requests in flight at the kill
//   are the one ambiguous case: Redis may have written the record and died before replying. They can
//   only be 503; LangGraph's retry then finds them recorded (a duplicate), and their actions do not
//   run — no process can tell that write from one that never happened. The test counts them.
// - Frozen (SIGSTOP): the store times out, the receiver answers 503 within the store's bound, and
//   once Redis thaws it runs what it was sent meanwhile — so those 503s are recorded after all.
// In both, a claim that landed without its reply enqueued its own routing item: the sweep routes it
// once the receiver's lease has run out (here: a sweep whose clock is past the lease), so every
// recorded delivery ends routed and forwarded once — the ambiguous ones of the kill included.
// Loopback only; every phase bounded in count and time.
import { Agent } from "node:http";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forwardMessageId } from "../../lib/routing/actions/forward.js";
import { deliveryIdFor, type DeliveryRecord } from "../../lib/model/delivery.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { fixture, type Json, settled } from "../support/kit.js";
import { newSecret, TestReceiver } from "../support/routing.js";
import { postCallback } from "../support/post-callback.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";
import { createRuntime } from "../../lib/runtime/runtime.js";
import { jsonLogger } from "../../lib/shared/log.js";
import { DEFAULT_ROUTE_LEASE_MS } from "../../lib/stores/due-work.js";
import { runSweep } from "../../lib/sweep/sweep.js";
import { router } from "../../routes.js";

/** The body LangGraph would post for a run of that id. */
const callbackFor = (runId: string): string => JSON.stringify({ ...BASE, run_id: runId });

const CONNECTIONS = 50;
/** Hard bounds on one load run. */
const MAX_CALLBACKS = 20_000;
const RUN_BUDGET_MS = 45_000;
/** The Redis store's own bound on one operation (lib/stores/redis-delivery-store.ts default). */
const STORE_TIMEOUT_MS = 3_000;
const SETTLE_BUDGET_MS = 30_000;
const ENV_FORWARD = "env:forward";

const hasRedis = redisAvailable();
const BASE = fixture("error_graph_create");

interface Sent {
  runId: string;
  id: string;
  startedAt: number;
  endedAt: number;
  status: number;
  body: Json;
}


/**
 * Sends distinct callbacks from CONNECTIONS workers while `scenario` runs, and stops when it
 * resolves (or at the bounds). Every answer is kept with its start and end time.
 */
async function underLoad(api: ApiServer, prefix: string, scenario: (sent: readonly Sent[]) => Promise<void>): Promise<Sent[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const url = new URL(api.url);
  const sent: Sent[] = [];
  const deadline = performance.now() + RUN_BUDGET_MS;
  let next = 0;
  let stop = false;
  const worker = async () => {
    while (!stop && next < MAX_CALLBACKS && performance.now() < deadline) {
      const runId = `${prefix}-${next++}`;
      const startedAt = performance.now();
      const answer = await postCallback(agent, url, callbackFor(runId));
      sent.push({ runId, id: deliveryIdFor(runId, "error"), startedAt, endedAt: performance.now(), ...answer });
    }
  };
  const workers = Promise.all(Array.from({ length: CONNECTIONS }, worker));
  try {
    await Promise.race([
      scenario(sent),
      workers.then(() => {
        throw new Error(`the load ended (${sent.length} callbacks) before the scenario did`);
      }),
    ]);
  } finally {
    stop = true;
    await workers.finally(() => agent.destroy());
  }
  return sent;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Reads the records straight from Redis, with a client of our own (not the relay's). */
async function recordsIn(url: string, ids: readonly string[]): Promise<Map<string, DeliveryRecord>> {
  const client = createClient({ url });
  await client.connect();
  try {
    const out = new Map<string, DeliveryRecord>();
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const raws = await client.mGet(batch.map((id) => `relay:d:${id}`));
      raws.forEach((raw, j) => {
        const id = batch[j];
        if (raw !== null && id !== undefined) out.set(id, JSON.parse(raw) as DeliveryRecord);
      });
    }
    return out;
  } finally {
    await client.close();
  }
}

async function indexSize(url: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  try {
    return await client.zCard("relay:index");
  } finally {
    await client.close();
  }
}

/** LangGraph's retry of a refused callback: the same body again, until it is answered 200 (bounded). */
async function retryUntilRecorded(api: ApiServer, refused: readonly Sent[]): Promise<Map<string, Json>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const url = new URL(api.url);
  const answers = new Map<string, Json>();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const item = refused[next++];
      if (item === undefined) return;
      for (let attempt = 1; ; attempt++) {
        const answer = await postCallback(agent, url, callbackFor(item.runId));
        if (answer.status === 200) {
          answers.set(item.runId, answer.body);
          break;
        }
        if (attempt >= 5) throw new Error(`retry of ${item.runId} still answered ${answer.status}`);
        await sleep(200);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  } finally {
    agent.destroy();
  }
  return answers;
}

/** A later cron's sweeps, once every receiver's lease has run out: until nothing more is routed. */
async function sweepAfterLeases(api: ApiServer): Promise<number> {
  const runtime = createRuntime({ config: api.runtime.config, now: () => Date.now() + DEFAULT_ROUTE_LEASE_MS + 5_000, log: jsonLogger(() => undefined) });
  let routed = 0;
  for (let round = 0; round < 20; round++) {
    const counts = await runSweep(runtime, router, { deadline: runtime.now() + 20_000, steps: [] });
    routed += counts.routed;
    if (counts.routed === 0 && counts.attempted === 0) break;
  }
  await runtime.idle();
  return routed;
}

function tally(sent: readonly Sent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of sent) out[item.status] = (out[item.status] ?? 0) + 1;
  return out;
}

function expectAnswersAreHonest(sent: readonly Sent[]): void {
  for (const item of sent) {
    if (item.status === 200) {
      expect(item.body).toEqual({ ok: true, delivery_id: item.id, duplicate: false });
    } else {
      expect(item.status, `${item.runId}: only 200 or 503`).toBe(503);
      expect((item.body["error"] as Json | undefined)?.["code"]).toBe("store_unavailable");
    }
  }
}

describe.skipIf(!hasRedis)("Redis fails in the middle of a load run", () => {
  const secret = newSecret();
  let target: TestReceiver;
  let redis: RedisServer;
  let api: ApiServer;

  beforeAll(async () => {
    target = await new TestReceiver(secret).listen();
    redis = await startRedis({ persistence: "aof" });
    api = await serveApi({ REDIS_URL: redis.url, FORWARD_URL: `${target.url}/hooks`, FORWARD_SECRET: secret });
  });
  afterAll(async () => {
    await api?.close();
    await api?.runtime.store.close();
    await redis?.stop();
    await target?.close();
  });

  /** Each recorded delivery was forwarded, and accepted downstream once. */
  function expectForwardedOnce(ids: Iterable<string>): void {
    const successes = new Map<string, number>();
    for (const request of target.requests) {
      const id = String(request.headers["webhook-id"]);
      successes.set(id, (successes.get(id) ?? 0) + 1);
    }
    for (const id of ids) expect(successes.get(forwardMessageId(id, ENV_FORWARD)), `forward of ${id}`).toBe(1);
  }

  it("killed: 200 ⇒ recorded (it survives the crash), sent while down ⇒ 503 and not recorded, then 200 again without a restart", async () => {
    const times = { killing: 0, killed: 0, restarting: 0, restarted: 0 };
    const sent = await underLoad(api, `kill-${Date.now()}`, async (progress) => {
      await waitFor(() => progress.length >= 800, "800 answers before the kill");
      times.killing = performance.now();
      await redis.kill();
      times.killed = performance.now();
      await sleep(1_500);
      times.restarting = performance.now();
      await redis.restart();
      times.restarted = performance.now();
      // Recovered: 300 answers in a row of 200, all sent after the restart.
      await waitFor(() => {
        const after = progress.filter((item) => item.startedAt > times.restarted);
        return after.length >= 300 && after.slice(-300).every((item) => item.status === 200);
      }, "300 consecutive 200s after the restart");
    });
    expectAnswersAreHonest(sent);

    const counts = tally(sent);
    const firstOkAfter = Math.min(...sent.filter((s) => s.startedAt > times.restarted && s.status === 200).map((s) => s.endedAt));
    const inFlightAtKill = (s: Sent) => s.startedAt < times.killed && s.endedAt > times.killing;
    const whileDown = sent.filter((s) => s.startedAt > times.killed && s.endedAt < times.restarting);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(sent.filter((s) => s.startedAt < times.killing && s.endedAt < times.killing).every((s) => s.status === 200)).toBe(true);

    // What Redis holds after the crash and the restart (the relay has not written since, but for the
    // callbacks answered after the restart).
    const stored = await recordsIn(redis.url, sent.map((s) => s.id));
    const acked = sent.filter((s) => s.status === 200);
    expect(acked.filter((s) => !stored.has(s.id)).map((s) => s.runId), "200 ⇒ recorded").toEqual([]);
    expect(whileDown.every((s) => s.status === 503), "sent while Redis was down ⇒ 503").toBe(true);
    const refused = sent.filter((s) => s.status === 503);
    const refusedButStored = refused.filter((s) => stored.has(s.id));
    expect(refusedButStored.filter((s) => !inFlightAtKill(s)).map((s) => s.runId), "503 ⇒ not recorded").toEqual([]);
    expect(refusedButStored.length).toBeLessThanOrEqual(CONNECTIONS);

    // LangGraph retries every 503: each is then recorded, and nothing is recorded twice.
    const retried = await retryUntilRecorded(api, refused);
    for (const item of refused) {
      expect(retried.get(item.runId), item.runId).toEqual({ ok: true, delivery_id: item.id, duplicate: stored.has(item.id) });
    }
    expect(await indexSize(redis.url)).toBe(sent.length);

    await settled(api, SETTLE_BUDGET_MS);
    const routedBySweep = await sweepAfterLeases(api);
    const settledRecords = await recordsIn(redis.url, sent.map((s) => s.id));
    const notRouted = [...settledRecords.values()].filter((record) => record.routing !== "done");
    console.info(
      `[faults] redis killed: ${sent.length} callbacks ${JSON.stringify(counts)}; ${whileDown.length} sent while down (all 503); ` +
        `first 200 ${Math.round(firstOkAfter - times.restarted)} ms after the restart; ${refusedButStored.length} in flight at the kill ` +
        `answered 503 though recorded; ${routedBySweep} routed by the sweep after their lease; ${notRouted.length} records not routed (${notRouted.map((r) => r.routing).join(",")})`,
    );
    // Routed once, its record up to date — a write whose reply died with Redis too: its retry is a
    // duplicate, and the routing item its claim enqueued is taken by the sweep after the lease.
    expect(notRouted.map((record) => record.run_id), "every delivery is routed").toEqual([]);
    expectForwardedOnce(sent.map((s) => s.id));
  }, RUN_BUDGET_MS + SETTLE_BUDGET_MS + 30_000);

  it("frozen: 503 within the store's bound while Redis hangs, 200 again once it thaws; a refused callback that landed late is still routed once", async () => {
    const times = { paused: 0, resumed: 0 };
    const sent = await underLoad(api, `stop-${Date.now()}`, async (progress) => {
      await waitFor(() => progress.length >= 300, "300 answers before the freeze");
      times.paused = performance.now();
      redis.pause();
      await sleep(STORE_TIMEOUT_MS + 1_500);
      times.resumed = performance.now();
      redis.resume();
      await waitFor(() => {
        const after = progress.filter((item) => item.startedAt > times.resumed);
        return after.length >= 300 && after.slice(-300).every((item) => item.status === 200);
      }, "300 consecutive 200s after the thaw");
    });
    expectAnswersAreHonest(sent);
    const refused = sent.filter((s) => s.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    // Answered within the store's bound (plus scheduling slack), long before LangGraph's 30 s.
    expect(Math.max(...refused.map((s) => s.endedAt - s.startedAt))).toBeLessThan(STORE_TIMEOUT_MS + 2_000);

    const stored = await recordsIn(redis.url, sent.map((s) => s.id));
    expect(sent.filter((s) => s.status === 200 && !stored.has(s.id)).map((s) => s.runId), "200 ⇒ recorded").toEqual([]);
    const landedLate = refused.filter((s) => stored.has(s.id));

    const retried = await retryUntilRecorded(api, refused);
    for (const item of refused) {
      expect(retried.get(item.runId)?.["ok"], item.runId).toBe(true);
    }
    await settled(api, SETTLE_BUDGET_MS);
    await sweepAfterLeases(api);
    const records = await recordsIn(redis.url, sent.map((s) => s.id));
    expect(records.size).toBe(sent.length);
    const notRouted = [...records.values()].filter((record) => record.routing !== "done");
    console.info(
      `[faults] redis frozen ${Math.round(times.resumed - times.paused)} ms: ${sent.length} callbacks ${JSON.stringify(tally(sent))}; ` +
        `slowest 503 ${Math.round(Math.max(...refused.map((s) => s.endedAt - s.startedAt)))} ms; ${landedLate.length} refused but recorded ` +
        `once Redis thawed; ${notRouted.length} records not routed`,
    );
    expect(notRouted.map((record) => record.run_id), "every recorded delivery is routed").toEqual([]);
    expectForwardedOnce(records.keys());
  }, RUN_BUDGET_MS + SETTLE_BUDGET_MS + 30_000);
});
