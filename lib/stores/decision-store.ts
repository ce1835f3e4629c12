// Decisions on paused runs (human in the loop, lib/hitl): one per paused delivery, claimed atomically
// — of any number of concurrent answers (two clicks, a click and a resume link, another copy of the
// Slack message) exactly one claim wins and resumes the thread; every other is told who decided. The
// decision lives under its own key, beside the delivery record rather than in it, so that answering a
// pause never races the router's or the sweep's saves of the record; /api/deliveries merges it in
// when it reads a delivery. Memory for one process, Redis (same REDIS_URL and namespace) for
// deployments, like the idempotency store.
import type { DecisionRecord } from "../model/delivery.js";
import { redisStoreUnavailable } from "../shared/errors.js";
import { RedisConnection } from "./redis-connection.js";
import { evictExpiredAndOldest } from "./memory-eviction.js";

export interface DecisionStore {
  readonly kind: "memory" | "redis";
  /** Claims the one decision of a paused delivery: true for the first caller, false for every other. */
  claim(deliveryId: string, record: DecisionRecord, ttlSeconds: number): Promise<boolean>;
  /** Replaces a claimed decision with its outcome (the resumed run, or why nothing was resumed). */
  settle(deliveryId: string, record: DecisionRecord): Promise<void>;
  /** Drops a claim whose resume could not be started, so that the pause can be answered again. */
  release(deliveryId: string): Promise<void>;
  /**
   * Replaces the claim with `record` only if it is still exactly `previous` (compare and set): how a
   * claim abandoned by a function that died before resuming is taken over, by one caller only.
   */
  reclaim(deliveryId: string, previous: DecisionRecord, record: DecisionRecord): Promise<boolean>;
  /** The delivery's decisions (none or one), for /api/deliveries. */
  list(deliveryId: string): Promise<DecisionRecord[]>;
  /** A once-only marker (e.g. the unanswered-pause reminder was sent): true the first time only. */
  mark(key: string, ttlSeconds: number): Promise<boolean>;
  close(): Promise<void>;
}

/** In-process decisions, bounded in entries (oldest evicted first) and in age. */
export class MemoryDecisionStore implements DecisionStore {
  readonly kind = "memory" as const;
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Check and insert in one synchronous step: concurrent claims cannot both win. */
  #setNx(key: string, value: string, ttlSeconds: number): boolean {
    this.#evict();
    if (this.#entries.has(key)) return false;
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlSeconds * 1000 });
    this.#evict();
    return true;
  }

  async claim(deliveryId: string, record: DecisionRecord, ttlSeconds: number): Promise<boolean> {
    return this.#setNx(`decision:${deliveryId}`, JSON.stringify(record), ttlSeconds);
  }

  async settle(deliveryId: string, record: DecisionRecord): Promise<void> {
    const entry = this.#entries.get(`decision:${deliveryId}`);
    if (entry !== undefined) entry.value = JSON.stringify(record);
  }

  async release(deliveryId: string): Promise<void> {
    this.#entries.delete(`decision:${deliveryId}`);
  }

  async reclaim(deliveryId: string, previous: DecisionRecord, record: DecisionRecord): Promise<boolean> {
    const entry = this.#entries.get(`decision:${deliveryId}`);
    if (entry === undefined || entry.value !== JSON.stringify(previous)) return false;
    entry.value = JSON.stringify(record);
    return true;
  }

  async list(deliveryId: string): Promise<DecisionRecord[]> {
    this.#evict();
    const entry = this.#entries.get(`decision:${deliveryId}`);
    return entry === undefined ? [] : [JSON.parse(entry.value) as DecisionRecord];
  }

  async mark(key: string, ttlSeconds: number): Promise<boolean> {
    return this.#setNx(`mark:${key}`, "1", ttlSeconds);
  }

  async close(): Promise<void> {}

  #evict(): void {
    evictExpiredAndOldest(this.#entries, this.#now(), this.#maxEntries);
  }
}

export interface RedisDecisionOptions {
  url: string;
  /** Key prefix: the deployment's namespace plus `hitl:`. */
  prefix: string;
  operationTimeoutMs?: number;
  onError?: (error: Error) => void;
}

/** Compare and set, keeping the claim's expiry. */
const RECLAIM_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') return 1 else return 0 end`;

/** Decisions in Redis: the claim is one `SET NX EX`, the outcome a `SET XX KEEPTTL`, a takeover a compare and set. */
export class RedisDecisionStore implements DecisionStore {
  readonly kind = "redis" as const;
  readonly #prefix: string;
  readonly #redis: RedisConnection;

  constructor(options: RedisDecisionOptions) {
    this.#prefix = options.prefix;
    this.#redis = new RedisConnection({
      url: options.url,
      operationTimeoutMs: options.operationTimeoutMs ?? 3000,
      onError: options.onError,
      // Unclaimed, nothing is resumed: the answer is a 503 and the human may try again.
      toError: redisStoreUnavailable("decision store", ", so nothing was resumed"),
    });
  }

  #key(deliveryId: string): string {
    return `${this.#prefix}decision:${deliveryId}`;
  }

  async claim(deliveryId: string, record: DecisionRecord, ttlSeconds: number): Promise<boolean> {
    const reply = await this.#redis.run((client) =>
      client.set(this.#key(deliveryId), JSON.stringify(record), { condition: "NX", expiration: { type: "EX", value: Math.max(1, Math.ceil(ttlSeconds)) } }),
    );
    return reply === "OK";
  }

  async settle(deliveryId: string, record: DecisionRecord): Promise<void> {
    await this.#redis.run((client) => client.set(this.#key(deliveryId), JSON.stringify(record), { condition: "XX", expiration: "KEEPTTL" }));
  }

  async release(deliveryId: string): Promise<void> {
    await this.#redis.run((client) => client.del(this.#key(deliveryId)));
  }

  async reclaim(deliveryId: string, previous: DecisionRecord, record: DecisionRecord): Promise<boolean> {
    const reply = await this.#redis.run((client) =>
      client.eval(RECLAIM_SCRIPT, { keys: [this.#key(deliveryId)], arguments: [JSON.stringify(previous), JSON.stringify(record)] }),
    );
    return reply === 1;
  }

  async list(deliveryId: string): Promise<DecisionRecord[]> {
    const raw = await this.#redis.run((client) => client.get(this.#key(deliveryId)));
    return raw === null ? [] : [JSON.parse(raw) as DecisionRecord];
  }

  async mark(key: string, ttlSeconds: number): Promise<boolean> {
    const reply = await this.#redis.run((client) =>
      client.set(`${this.#prefix}mark:${key}`, "1", { condition: "NX", expiration: { type: "EX", value: Math.max(1, Math.ceil(ttlSeconds)) } }),
    );
    return reply === "OK";
  }

  close(): Promise<void> {
    return this.#redis.close();
  }
}
