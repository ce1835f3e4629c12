// In-process idempotency store (lib/stores/idempotency-store.ts says what the keys mean): bounded in
// entries (oldest evicted first) and in age. For one process: `npm run dev` and tests; deployments use
// the Redis one, shared by every function instance.
import type { ClaimOutcome, IdempotencyEntry, IdempotencyStore, StoredAnswer } from "./idempotency-store.js";
import { IDEMPOTENCY_TTL_SECONDS } from "./idempotency-store.js";
import { evictExpiredAndOldest } from "./memory-eviction.js";

export interface MemoryIdempotencyOptions {
  /** @default 10_000 */
  maxEntries?: number;
  now?: () => number;
}

/** In-process idempotency store, bounded in entries (oldest evicted first) and in age. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly kind = "memory" as const;
  // Insertion order is claim order: eviction takes from the front.
  readonly #entries = new Map<string, { entry: IdempotencyEntry; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryIdempotencyOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async claim(key: string, fingerprint: string): Promise<ClaimOutcome> {
    this.#evict();
    // Check and insert in one synchronous step, so that concurrent claims cannot both win.
    const existing = this.#entries.get(key);
    if (existing !== undefined) return existing.entry;
    this.#entries.set(key, {
      entry: { state: "in_progress", fingerprint, started_at: this.#now() },
      expiresAt: this.#now() + IDEMPOTENCY_TTL_SECONDS * 1000,
    });
    this.#evict();
    return { state: "claimed" };
  }

  async complete(key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, {
      entry: { state: "done", fingerprint, answer: structuredClone(answer) },
      expiresAt: this.#now() + IDEMPOTENCY_TTL_SECONDS * 1000,
    });
    this.#evict();
  }

  async release(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async close(): Promise<void> {}

  #evict(): void {
    evictExpiredAndOldest(this.#entries, this.#now(), this.#maxEntries);
  }
}
