// Redis idempotency store: shared by every function instance, so a retry that reaches another
// instance still finds the first answer. The claim is one `SET key <in progress> NX EX <24 h>`: of
// any number of concurrent requests with the same key, exactly one gets OK. `redis` is imported only
// when this store is used, like lib/stores/redis-delivery-store.ts.
import { redisStoreUnavailable } from "../shared/errors.js";
import { RedisConnection } from "./redis-connection.js";
import type { ClaimOutcome, IdempotencyEntry, IdempotencyStore, StoredAnswer } from "./idempotency-store.js";
import { IDEMPOTENCY_TTL_SECONDS } from "./idempotency-store.js";

export interface RedisIdempotencyOptions {
  url: string;
  /** Key prefix, shared with the delivery store's namespace. @default "relay:idem:" */
  prefix?: string;
  /** Upper bound on one operation, connecting included. @default 3000 */
  operationTimeoutMs?: number;
  /** Reports connection errors (the client emits them while it reconnects). */
  onError?: (error: Error) => void;
}

export class RedisIdempotencyStore implements IdempotencyStore {
  readonly kind = "redis" as const;
  readonly #prefix: string;
  readonly #redis: RedisConnection;

  constructor(options: RedisIdempotencyOptions) {
    this.#prefix = options.prefix ?? "relay:idem:";
    this.#redis = new RedisConnection({
      url: options.url,
      operationTimeoutMs: options.operationTimeoutMs ?? 3000,
      onError: options.onError,
      // Any failure is a 503 and no run is started.
      toError: redisStoreUnavailable("idempotency store", ", so the request was not started"),
    });
  }

  #key(key: string): string {
    return `${this.#prefix}${key}`;
  }

  async claim(key: string, fingerprint: string, now: number = Date.now()): Promise<ClaimOutcome> {
    const claim: IdempotencyEntry = { state: "in_progress", fingerprint, started_at: now };
    // Twice at most: the holder's entry may expire between our SET NX and our GET.
    for (let attempt = 0; attempt < 2; attempt++) {
      const reply = await this.#redis.run((client) =>
        client.set(this.#key(key), JSON.stringify(claim), {
          condition: "NX",
          expiration: { type: "EX", value: IDEMPOTENCY_TTL_SECONDS },
        }),
      );
      if (reply === "OK") return { state: "claimed" };
      const raw = await this.#redis.run((client) => client.get(this.#key(key)));
      if (raw !== null) return JSON.parse(raw) as IdempotencyEntry;
    }
    // Claimed and gone twice in a row: someone holds it in a tight loop; report it as in progress.
    return { state: "in_progress", fingerprint: "" };
  }

  async complete(key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
    const entry: IdempotencyEntry = { state: "done", fingerprint, answer };
    await this.#redis.run((client) =>
      client.set(this.#key(key), JSON.stringify(entry), {
        expiration: { type: "EX", value: IDEMPOTENCY_TTL_SECONDS },
      }),
    );
  }

  async release(key: string): Promise<void> {
    await this.#redis.run((client) => client.del(this.#key(key)));
  }

  close(): Promise<void> {
    return this.#redis.close();
  }
}
