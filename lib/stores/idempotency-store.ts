// Idempotency keys for /api/trigger (`Idempotency-Key` on `create` and `cron`): a retried request
// returns the first answer and starts nothing new. The SDK retries POSTs that never reached LangGraph,
// and callers (Zapier, GitHub Actions, a flaky form) retry what timed out: without this, a network blip
// starts two runs.
//
// The protocol is Stripe's: claim the key as "in progress" first, start the run, then store the
// answer. A concurrent request with the same key finds the claim and gets 409; a failed start releases
// the claim so that a retry can go through. Every entry — an in-progress claim too — lives 24 hours:
// a request that started its run but could not store the answer (the store failed, the function died)
// leaves its claim in place, so the key stays reserved and a retry can never start a second run. Past
// a short lease such a claim is reported as "outcome unknown" rather than "in progress".
//
// This is not the DeliveryStore: that one records callbacks; this one records answers to callers.
// Memory for one process (here), Redis (same REDIS_URL) for deployments (lib/stores/redis-idempotency-store.ts);
// lib/trigger/idempotency.ts picks one per runtime, like the delivery store.

/** How long a key's first answer is replayed. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/**
 * How long a request may hold its claim while it runs: longer than any create/cron request can take
 * (LangGraph calls bounded at 30 s × 3 attempts). Past it, a claim without an answer is a request that
 * died or could not store its answer: still reserved, reported as such.
 */
export const IN_PROGRESS_LEASE_SECONDS = 5 * 60;

/** The answer given the first time, replayed verbatim. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type ClaimOutcome =
  | { state: "claimed" }
  | { state: "in_progress"; fingerprint: string; started_at?: number }
  | { state: "done"; fingerprint: string; answer: StoredAnswer };

export interface IdempotencyStore {
  readonly kind: "memory" | "redis";
  /**
   * Claims `key` as in progress, unless a claim or an answer already holds it (then says which).
   * `fingerprint` identifies the request, so that a key reused for a different request is told apart.
   */
  claim(key: string, fingerprint: string, now?: number): Promise<ClaimOutcome>;
  /** Stores the answer of a claimed key for IDEMPOTENCY_TTL_SECONDS. */
  complete(key: string, fingerprint: string, answer: StoredAnswer): Promise<void>;
  /** Drops a claim whose request failed, so that a retry starts afresh. */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}

/** What the memory and Redis stores keep under a key. */
export type IdempotencyEntry =
  /** `started_at` (ms) tells a live claim from an abandoned one; absent on entries of older relays. */
  | { state: "in_progress"; fingerprint: string; started_at?: number }
  | { state: "done"; fingerprint: string; answer: StoredAnswer };
