// One contract, two run ledgers: memory and Redis (a real redis-server on a free port), each also with
// the clock a year ahead. Time comes from the injected clock only.
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRunLedger } from "../../lib/stores/memory-run-ledger.js";
import { RedisRunLedger } from "../../lib/stores/redis-run-ledger.js";
import { redisNamespace } from "../../lib/stores/redis-namespace.js";
import type { NewLedgerEntry, RunLedger } from "../../lib/stores/run-ledger.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";

const YEAR_MS = 365 * 86_400_000;
const HOUR_MS = 3_600_000;

/** A clock the test moves: starts at real now plus an offset. */
function testClock(offsetMs: number) {
  let now = Date.now() + offsetMs;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

const tokenId = () => randomBytes(12).toString("base64url");

function ledgerContract(name: string, makeLedger: (now: () => number) => Promise<RunLedger>, offsetMs = 0) {
  describe(`${name} run ledger${offsetMs === 0 ? "" : ` with the clock ${offsetMs / YEAR_MS} year(s) ahead`}`, () => {
    let clock: ReturnType<typeof testClock>;
    let ledger: RunLedger;
    const iso = (ms: number) => new Date(ms).toISOString();
    const runEntry = (overrides: Partial<NewLedgerEntry> = {}): NewLedgerEntry => ({
      token_id: tokenId(),
      kind: "run",
      assistant_id: "agent",
      created_at: iso(clock.now()),
      expires_at: iso(clock.now() + 2 * HOUR_MS),
      ...overrides,
    });

    beforeAll(async () => {
      clock = testClock(offsetMs);
      ledger = await makeLedger(clock.now);
    });
    afterAll(async () => {
      await ledger.close();
    });

    it("puts an entry once and reads it back", async () => {
      const entry = runEntry({ thread_id: "thread-1" });
      expect(await ledger.put(entry)).toBe(true);
      expect(await ledger.get(entry.token_id)).toEqual(entry);
      expect(await ledger.put({ ...entry, assistant_id: "other" })).toBe(false);
      expect((await ledger.get(entry.token_id))?.assistant_id).toBe("agent");
      expect(await ledger.get(tokenId())).toBeUndefined();
    });

    it("refuses an entry that has expired already, or a token id that cannot be one", async () => {
      await expect(ledger.put(runEntry({ expires_at: iso(clock.now() - 1) }))).rejects.toThrow(RangeError);
      await expect(ledger.put(runEntry({ token_id: "short" }))).rejects.toThrow(RangeError);
      await expect(ledger.put(runEntry({ token_id: "has spaces and :colons" }))).rejects.toThrow(RangeError);
    });

    it("binds a run entry to one run and its thread, once", async () => {
      const entry = runEntry();
      await ledger.put(entry);
      expect(await ledger.bindRun(entry.token_id, "run-a", "thread-a")).toBe(true);
      expect(await ledger.bindRun(entry.token_id, "run-a")).toBe(true);
      expect(await ledger.bindRun(entry.token_id, "run-b")).toBe(false);
      expect(await ledger.bindRun(entry.token_id, "run-a", "thread-b")).toBe(false);
      expect(await ledger.get(entry.token_id)).toMatchObject({ run_id: "run-a", thread_id: "thread-a" });
      expect(await ledger.bindRun(tokenId(), "run-a")).toBe(false);
      expect(await ledger.bindCron(entry.token_id, "cron-a")).toBe(false);
    });

    it("binds a cron entry, finds it by cron, and revokes it", async () => {
      const entry = runEntry({ kind: "cron" });
      await ledger.put(entry);
      expect(await ledger.bindRun(entry.token_id, "run-x")).toBe(false);
      expect(await ledger.bindCron(entry.token_id, "cron-1")).toBe(true);
      expect(await ledger.bindCron(entry.token_id, "cron-2")).toBe(false);
      const found = await ledger.findByCron("cron-1");
      expect(found.map((e) => e.token_id)).toEqual([entry.token_id]);
      expect(await ledger.findByCron("cron-2")).toEqual([]);
      expect(await ledger.revoke(entry.token_id)).toBe(true);
      const revoked = await ledger.get(entry.token_id);
      expect(revoked).toMatchObject({ revoked: true, revoked_at: iso(clock.now()), cron_id: "cron-1" });
      // A revoked token vouches for nothing more.
      expect(await ledger.markCallbackSeen(entry.token_id, "run-y")).toBe(false);
      expect(await ledger.revoke(tokenId())).toBe(false);
    });

    it("lists runs started before a time that have not called back, oldest first", async () => {
      const isolated = await makeLedger(clock.now);
      try {
        const start = clock.now();
        const entries = [0, 1, 2, 3, 4].map((n) =>
          runEntry({ created_at: iso(start - (10 - n) * 60_000), expires_at: iso(start + HOUR_MS) }),
        );
        for (const entry of entries) await isolated.put(entry);
        await isolated.put(runEntry({ kind: "cron", created_at: iso(start - 20 * 60_000) }));
        await isolated.bindRun(entries[1]!.token_id, "run-1");
        expect(await isolated.markCallbackSeen(entries[1]!.token_id, "run-1")).toBe(true);
        await isolated.revoke(entries[2]!.token_id);
        const open = await isolated.listStartedBefore(start - 6 * 60_000, 10);
        expect(open.map((e) => e.token_id)).toEqual([entries[0]!.token_id, entries[3]!.token_id]);
        expect((await isolated.listStartedBefore(start, 1)).map((e) => e.token_id)).toEqual([entries[0]!.token_id]);
        expect(await isolated.listStartedBefore(start - 11 * 60_000, 10)).toEqual([]);
      } finally {
        await isolated.close();
      }
    });

    it("marks a callback seen: binds an unbound run entry, refuses another run", async () => {
      const unbound = runEntry();
      await ledger.put(unbound);
      // The callback came before the trigger heard LangGraph's answer.
      expect(await ledger.markCallbackSeen(unbound.token_id, "run-early")).toBe(true);
      expect(await ledger.get(unbound.token_id)).toMatchObject({ run_id: "run-early", callback_seen_at: iso(clock.now()) });
      expect(await ledger.bindRun(unbound.token_id, "run-other")).toBe(false);
      const bound = runEntry();
      await ledger.put(bound);
      await ledger.bindRun(bound.token_id, "run-1");
      expect(await ledger.markCallbackSeen(bound.token_id, "run-2")).toBe(false);
      expect((await ledger.get(bound.token_id))?.callback_seen_at).toBeUndefined();
    });

    it("claims a run's callback once: of concurrent claims exactly one wins, and none after a mark", async () => {
      const entry = runEntry();
      await ledger.put(entry);
      await ledger.bindRun(entry.token_id, "run-1");
      const claims = await Promise.all(Array.from({ length: 20 }, () => ledger.claimCallback(entry.token_id, "run-1")));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await ledger.claimCallback(entry.token_id, "run-1")).toBe(false);
      const marked = runEntry();
      await ledger.put(marked);
      await ledger.markCallbackSeen(marked.token_id, "run-2");
      expect(await ledger.claimCallback(marked.token_id, "run-2")).toBe(false);
    });

    it("records that the relay saw a run end, once, and not for a revoked token", async () => {
      const entry = runEntry();
      await ledger.put(entry);
      expect(await ledger.markEnded(entry.token_id)).toBe(true);
      expect((await ledger.get(entry.token_id))?.ended_at).toBe(iso(clock.now()));
      const revoked = runEntry();
      await ledger.put(revoked);
      await ledger.revoke(revoked.token_id);
      expect(await ledger.markEnded(revoked.token_id)).toBe(false);
    });

    it("forgets an entry once its expires_at has passed on the injected clock", async () => {
      const entry = runEntry({ kind: "cron", expires_at: iso(clock.now() + 60_000) });
      await ledger.put(entry);
      await ledger.bindCron(entry.token_id, "cron-short");
      clock.advance(59_000);
      expect(await ledger.get(entry.token_id)).toBeDefined();
      clock.advance(2_000);
      expect(await ledger.get(entry.token_id)).toBeUndefined();
      expect(await ledger.findByCron("cron-short")).toEqual([]);
      expect(await ledger.revoke(entry.token_id)).toBe(false);
      expect(await ledger.markCallbackSeen(entry.token_id, "run")).toBe(false);
      // The token id is free again only in the sense that a put of it is accepted; ids are random.
      expect(await ledger.put({ ...entry, expires_at: iso(clock.now() + 60_000) })).toBe(true);
    });
  });
}

ledgerContract("memory", async (now) => new MemoryRunLedger({ now }));
ledgerContract("memory", async (now) => new MemoryRunLedger({ now }), YEAR_MS);

describe("memory run ledger bounds", () => {
  it("keeps at most maxEntries, evicting the oldest", async () => {
    const ledger = new MemoryRunLedger({ maxEntries: 10 });
    const ids: string[] = [];
    for (let n = 0; n < 25; n++) {
      const id = tokenId();
      ids.push(id);
      await ledger.put({ token_id: id, kind: "run", assistant_id: "a", created_at: new Date().toISOString(), expires_at: new Date(Date.now() + HOUR_MS).toISOString() });
    }
    expect(ledger.size).toBe(10);
    expect(await ledger.get(ids[14]!)).toBeUndefined();
    expect(await ledger.get(ids[15]!)).toBeDefined();
  });
});

const haveRedis = redisAvailable();

describe.runIf(haveRedis)("redis run ledger", () => {
  let redis: RedisServer;
  let counter = 0;
  const makeLedger = async (now: () => number) =>
    new RedisRunLedger({ url: redis.url, prefix: `ledger-test${++counter}:`, operationTimeoutMs: 1000, now });

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  ledgerContract("redis", makeLedger);
  ledgerContract("redis", makeLedger, YEAR_MS);

  it("gives an entry its expires_at as TTL, in the environment's namespace, and prunes expired open runs", async () => {
    let now = Date.now();
    const preview = new RedisRunLedger({ url: redis.url, prefix: redisNamespace("preview"), now: () => now });
    const production = new RedisRunLedger({ url: redis.url, prefix: redisNamespace("production"), now: () => now });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const id = tokenId();
      await preview.put({ token_id: id, kind: "run", assistant_id: "a", created_at: new Date(now).toISOString(), expires_at: new Date(now + HOUR_MS).toISOString() });
      const ttl = await raw.pTTL(`relay:preview:ledger:t:${id}`);
      expect(ttl).toBeGreaterThan(HOUR_MS - 5_000);
      expect(ttl).toBeLessThanOrEqual(HOUR_MS);
      // A preview token's entry is not production's.
      expect(await production.get(id)).toBeUndefined();
      expect(await raw.zScore("relay:preview:ledger:open", id)).toBe(now);
      // Once it has expired on the clock, the next put drops it from the open runs.
      now += 2 * HOUR_MS;
      await preview.put({ token_id: tokenId(), kind: "cron", assistant_id: "a", created_at: new Date(now).toISOString(), expires_at: new Date(now + HOUR_MS).toISOString() });
      expect(await raw.zScore("relay:preview:ledger:open", id)).toBeNull();
    } finally {
      await raw.close();
      await preview.close();
      await production.close();
    }
  });

  it("lets exactly one of 50 concurrent binds of a token to different runs win", async () => {
    const ledger = await makeLedger(Date.now);
    try {
      const id = tokenId();
      await ledger.put({ token_id: id, kind: "run", assistant_id: "a", created_at: new Date().toISOString(), expires_at: new Date(Date.now() + HOUR_MS).toISOString() });
      const results = await Promise.all(Array.from({ length: 50 }, (_, n) => ledger.bindRun(id, `run-${n}`)));
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      await ledger.close();
    }
  });
});
