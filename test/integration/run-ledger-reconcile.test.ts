// The run ledger's reconciliation state (lib/stores/run-ledger.ts: listReconcileDue, deferReconcile,
// settleReconcile), one contract on memory and on a real redis-server, plus what an idle sweep costs
// in Redis commands. Time comes from the injected clock only.
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRunLedger } from "../../lib/stores/memory-run-ledger.js";
import { RedisRunLedger } from "../../lib/stores/redis-run-ledger.js";
import type { NewLedgerEntry, RunLedger } from "../../lib/stores/run-ledger.js";
import { defineRoutes } from "../../lib/routing/index.js";
import { reconcileLostCallbacks } from "../../lib/reconcile/reconcile.js";
import { runSweep } from "../../lib/sweep/sweep.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { createTestRuntime } from "../support/runtime.js";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

const tokenId = () => randomBytes(12).toString("base64url");
const iso = (ms: number) => new Date(ms).toISOString();

function reconcileContract(name: string, makeLedger: (now: () => number) => Promise<RunLedger>) {
  describe(`${name} run ledger: reconciliation state`, () => {
    let now = Date.now();
    const clock = () => now;
    let ledger: RunLedger;
    const runEntry = (createdAgoMs: number, overrides: Partial<NewLedgerEntry> = {}): NewLedgerEntry => ({
      token_id: tokenId(),
      kind: "run",
      assistant_id: "agent",
      created_at: iso(now - createdAgoMs),
      expires_at: iso(now + 2 * HOUR_MS),
      ...overrides,
    });
    const ids = (entries: { token_id: string }[]) => entries.map((entry) => entry.token_id);

    beforeAll(async () => {
      ledger = await makeLedger(clock);
    });
    afterAll(async () => {
      await ledger.close();
    });

    it("lists runs started before the cut-off that never called back, oldest first, then deferred ones that are due", async () => {
      now = Date.now();
      const [old, older, recent, seen, revoked, cron] = [
        runEntry(20 * MINUTE_MS),
        runEntry(30 * MINUTE_MS),
        runEntry(MINUTE_MS),
        runEntry(40 * MINUTE_MS),
        runEntry(50 * MINUTE_MS),
        runEntry(60 * MINUTE_MS, { kind: "cron" }),
      ];
      for (const entry of [old, older, recent, seen, revoked, cron]) await ledger.put(entry!);
      await ledger.bindRun(seen!.token_id, "run-seen");
      await ledger.markCallbackSeen(seen!.token_id, "run-seen");
      await ledger.revoke(revoked!.token_id);
      const cutOff = now - 15 * MINUTE_MS;
      expect(ids(await ledger.listReconcileDue(cutOff, now, 10))).toEqual([older!.token_id, old!.token_id]);
      expect(ids(await ledger.listReconcileDue(cutOff, now, 1))).toEqual([older!.token_id]);

      // Deferred: out of the list until its next look is due, then listed after the fresh ones.
      expect(await ledger.deferReconcile(older!.token_id, 1, now + 5 * MINUTE_MS)).toBe(true);
      expect(await ledger.get(older!.token_id)).toMatchObject({ reconcile_attempts: 1, reconcile_next_at: iso(now + 5 * MINUTE_MS) });
      expect(ids(await ledger.listReconcileDue(cutOff, now, 10))).toEqual([old!.token_id]);
      expect(ids(await ledger.listStartedBefore(cutOff, 10))).toEqual([old!.token_id]);
      now += 5 * MINUTE_MS;
      expect(ids(await ledger.listReconcileDue(cutOff, now, 10))).toEqual([old!.token_id, older!.token_id]);
      // Cleanup for the next cases: settle both.
      expect(await ledger.settleReconcile(old!.token_id, "unknown")).toBe(true);
      expect(await ledger.settleReconcile(older!.token_id, "reconciled")).toBe(true);
      expect(await ledger.listReconcileDue(now, now, 10)).toEqual([expect.objectContaining({ token_id: recent!.token_id })]);
      await ledger.settleReconcile(recent!.token_id, "unknown");
    });

    it("a listing with a lease takes what it lists: another listing gets other runs until the lease ends, a deferral sets the next look", async () => {
      now = Date.now();
      const entries = [runEntry(HOUR_MS + 3), runEntry(HOUR_MS + 2), runEntry(HOUR_MS + 1)];
      for (const entry of entries) await ledger.put(entry);
      const cutOff = now - 30 * MINUTE_MS;
      const first = await ledger.listReconcileDue(cutOff, now, 2, 5 * MINUTE_MS);
      const second = await ledger.listReconcileDue(cutOff, now, 2, 5 * MINUTE_MS);
      expect(ids(first)).toEqual([entries[0]!.token_id, entries[1]!.token_id]);
      expect(ids(second)).toEqual([entries[2]!.token_id]);
      expect(await ledger.listReconcileDue(cutOff, now, 10, 5 * MINUTE_MS)).toEqual([]);
      // The first listing's holder deferred one to a minute on, and died holding the other.
      await ledger.deferReconcile(entries[0]!.token_id, 1, now + MINUTE_MS);
      now += MINUTE_MS;
      expect(ids(await ledger.listReconcileDue(cutOff, now, 10))).toEqual([entries[0]!.token_id]);
      now += 4 * MINUTE_MS;
      expect(ids(await ledger.listReconcileDue(cutOff, now, 10)).sort()).toEqual([entries[0]!.token_id, entries[1]!.token_id, entries[2]!.token_id].sort());
      for (const entry of entries) await ledger.settleReconcile(entry.token_id, "no_run");
      expect(await ledger.get(entries[2]!.token_id)).toMatchObject({ reconcile_outcome: "no_run" });
    });

    it("settles once: `reconciled` counts as the run's callback, `unknown` leaves a later callback free to be confirmed", async () => {
      now = Date.now();
      const reconciled = runEntry(HOUR_MS);
      const unknown = runEntry(HOUR_MS);
      await ledger.put(reconciled);
      await ledger.put(unknown);
      await ledger.bindRun(reconciled.token_id, "run-r");
      await ledger.bindRun(unknown.token_id, "run-u");
      expect(await ledger.settleReconcile(reconciled.token_id, "reconciled")).toBe(true);
      expect(await ledger.settleReconcile(reconciled.token_id, "unknown")).toBe(false);
      expect(await ledger.deferReconcile(reconciled.token_id, 2, now + MINUTE_MS)).toBe(false);
      expect(await ledger.get(reconciled.token_id)).toMatchObject({ reconcile_outcome: "reconciled", reconciled_at: iso(now), callback_seen_at: iso(now) });
      expect(await ledger.claimCallback(reconciled.token_id, "run-r")).toBe(false);

      expect(await ledger.deferReconcile(unknown.token_id, 3, now + MINUTE_MS)).toBe(true);
      expect(await ledger.settleReconcile(unknown.token_id, "unknown")).toBe(true);
      const settled = await ledger.get(unknown.token_id);
      expect(settled).toMatchObject({ reconcile_outcome: "unknown", reconcile_attempts: 3 });
      expect(settled?.reconcile_next_at).toBeUndefined();
      expect(settled?.callback_seen_at).toBeUndefined();
      expect(await ledger.claimCallback(unknown.token_id, "run-u")).toBe(true);
      now += 2 * MINUTE_MS;
      expect(await ledger.listReconcileDue(now, now, 10)).toEqual([]);
    });

    it("a callback seen, a revoke or an expiry takes a deferred entry out of the list", async () => {
      now = Date.now();
      const called = runEntry(HOUR_MS);
      const revoked = runEntry(HOUR_MS);
      const expiring = runEntry(HOUR_MS, { expires_at: iso(now + 10 * MINUTE_MS) });
      for (const entry of [called, revoked, expiring]) {
        await ledger.put(entry);
        expect(await ledger.deferReconcile(entry.token_id, 1, now + MINUTE_MS)).toBe(true);
      }
      await ledger.markCallbackSeen(called.token_id, "run-c");
      await ledger.revoke(revoked.token_id);
      now += 2 * MINUTE_MS;
      expect(ids(await ledger.listReconcileDue(now, now, 10))).toEqual([expiring.token_id]);
      now += 10 * MINUTE_MS;
      expect(await ledger.listReconcileDue(now, now, 10)).toEqual([]);
      expect(await ledger.deferReconcile(expiring.token_id, 2, now + MINUTE_MS)).toBe(false);
    });
  });
}

reconcileContract("memory", async (now) => new MemoryRunLedger({ now }));

const haveRedis = redisAvailable();

describe.runIf(haveRedis)("redis", () => {
  let redis: RedisServer;
  let counter = 0;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  reconcileContract("redis", async (now) => new RedisRunLedger({ url: redis.url, prefix: `reconcile-test${++counter}:`, operationTimeoutMs: 2000, now }));

  it("a listing with nothing due is one Redis command, however many runs wait for their callback", async () => {
    const now = Date.now();
    const ledger = new RedisRunLedger({ url: redis.url, prefix: `reconcile-idle:`, operationTimeoutMs: 2000, now: () => now });
    const monitor = createClient({ url: redis.url });
    await monitor.connect();
    try {
      for (let n = 0; n < 50; n++) {
        await ledger.put({ token_id: tokenId(), kind: "run", assistant_id: "a", created_at: iso(now - n * 1000), expires_at: iso(now + HOUR_MS) });
      }
      // MONITOR prints every command a client sent; those a script ran say `lua]` and cost no round trip.
      const sent: string[] = [];
      await monitor.monitor((line) => {
        if (!line.includes(" lua]")) sent.push(line);
      });
      expect(await ledger.listReconcileDue(now - HOUR_MS, now, 100)).toEqual([]);
      await ledger.get(tokenId()); // a marker: every line before it is the listing's
      await expect.poll(() => sent.some((line) => line.includes("HGETALL"))).toBe(true);
      const listing = sent.slice(0, sent.findIndex((line) => line.includes("HGETALL")));
      expect(listing.filter((line) => !/"(MULTI|EXEC)"/.test(line))).toHaveLength(1);
      expect(listing[0]).toContain('"EVAL"');
    } finally {
      monitor.destroy();
      await ledger.close();
    }
  });

  it("reconciliation adds one Redis command to an idle sweep (nothing due, nothing overdue, runs waiting for their callback)", async () => {
    const runtime = createTestRuntime({ REDIS_URL: redis.url, LANGGRAPH_API_URL: "http://127.0.0.1:9", RECONCILE_AFTER: "15m" });
    const router = defineRoutes([]);
    const monitor = createClient({ url: redis.url });
    await monitor.connect();
    try {
      const now = Date.now();
      for (let n = 0; n < 20; n++) {
        await runtime.ledger.put({ token_id: tokenId(), kind: "run", assistant_id: "a", created_at: iso(now), expires_at: iso(now + HOUR_MS) });
      }
      // The due work, then reconciliation: the sweep's first two parts (lib/sweep/steps.ts).
      const steps = [async ({ deadline }: { deadline: number }) => ({ ...(await reconcileLostCallbacks(runtime, router, { deadline })) })];
      await runSweep(runtime, router, { deadline: Date.now() + 20_000, steps }); // connects the client
      const sent: string[] = [];
      await monitor.monitor((line) => {
        if (!line.includes(" lua]")) sent.push(line);
      });
      const counts = await runSweep(runtime, router, { deadline: Date.now() + 20_000, steps });
      expect(counts).toMatchObject({ attempted: 0, routed: 0, reconciled: 0, deferred: 0, unknown: 0 });
      await runtime.ledger.get(tokenId()); // a marker: every line before it is the sweep's
      await expect.poll(() => sent.some((line) => line.includes("HGETALL"))).toBe(true);
      const sweep = sent.slice(0, sent.findIndex((line) => line.includes("HGETALL"))).filter((line) => !/"(MULTI|EXEC)"/.test(line));
      // One claim of due work (the durable core's), one listing of overdue runs (reconciliation's).
      expect(sweep.length, sweep.join("\n")).toBe(2);
      expect(sweep.filter((line) => line.includes("relay:ledger:open"))).toHaveLength(1);
    } finally {
      monitor.destroy();
      await runtime.store.close();
      await runtime.ledger.close();
    }
  });
});
