// Redis idempotency store: shared by every function instance, so a retry that reaches another
// instance still finds the first answer. The claim is one `SET key <in progress> NX EX <lease>`: of
// any number of concurrent requests with the same key, exactly one gets OK. `redis` is imported only
// when this store is used, like lib/redis-store.ts.
import type { RedisClientType } from "redis";
import { RelayError } from "./errors.js";
import type { ClaimOutcome, IdempotencyEntry, IdempotencyStore, StoredAnswer } from "./idempotency.js";
import { IDEMPOTENCY_TTL_SECONDS, IN_PROGRESS_LEASE_SECONDS } from "./idempotency.js";

export interface RedisIdempotencyOptions {
  url: string;
  /** Key prefix, shared with the delivery store's namespace. @default "relay:idem:" */
  prefix?: string;
  /** Upper bound on one operation, connecting included. @default 3000 */
  operationTimeoutMs?: number;
  /** Reports connection errors (the client emits them while it reconnects). */
  onError?: (error: Error) => void;
}

type Client = RedisClientType;

export class RedisIdempotencyStore implements IdempotencyStore {
  readonly kind = "redis" as const;
  readonly #url: string;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #onError: ((error: Error) => void) | undefined;
  #lastErrorReport = 0;
  #client: Promise<Client> | undefined;

  constructor(options: RedisIdempotencyOptions) {
    this.#url = options.url;
    this.#prefix = options.prefix ?? "relay:idem:";
    this.#timeoutMs = options.operationTimeoutMs ?? 3000;
    this.#onError = options.onError;
  }

  async #connect(): Promise<Client> {
    const { createClient } = await import("redis");
    const client: Client = createClient({
      url: this.#url,
      // Fail fast while disconnected: the trigger answers 503 rather than hang its caller.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: this.#timeoutMs,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
      },
    });
    client.on("error", (error: Error) => {
      // One report every few seconds: the client emits an error per reconnect attempt.
      if (Date.now() - this.#lastErrorReport < 5000) return;
      this.#lastErrorReport = Date.now();
      this.#onError?.(error);
    });
    await client.connect();
    return client;
  }

  /** Runs one operation with a bound on its time; any failure is a 503 (no run is started). */
  async #run<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    try {
      this.#client ??= this.#connect();
      const client = await Promise.race([this.#client, timeout]);
      return await Promise.race([operation(client), timeout]);
    } catch (error) {
      const pending = this.#client;
      pending?.then(
        (client) => {
          if (!client.isOpen && this.#client === pending) this.#client = undefined;
        },
        () => {
          if (this.#client === pending) this.#client = undefined;
        },
      );
      throw new RelayError(
        503,
        "store_unavailable",
        "The idempotency store is unavailable, so the request was not started. Retry later.",
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  #key(key: string): string {
    return `${this.#prefix}${key}`;
  }

  async claim(key: string, fingerprint: string): Promise<ClaimOutcome> {
    const claim: IdempotencyEntry = { state: "in_progress", fingerprint };
    // Twice at most: the holder's entry may expire between our SET NX and our GET.
    for (let attempt = 0; attempt < 2; attempt++) {
      const reply = await this.#run((client) =>
        client.set(this.#key(key), JSON.stringify(claim), {
          condition: "NX",
          expiration: { type: "EX", value: IN_PROGRESS_LEASE_SECONDS },
        }),
      );
      if (reply === "OK") return { state: "claimed" };
      const raw = await this.#run((client) => client.get(this.#key(key)));
      if (raw !== null) return JSON.parse(raw) as IdempotencyEntry;
    }
    // Claimed and gone twice in a row: someone holds it in a tight loop; report it as in progress.
    return { state: "in_progress", fingerprint: "" };
  }

  async complete(key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
    const entry: IdempotencyEntry = { state: "done", fingerprint, answer };
    await this.#run((client) =>
      client.set(this.#key(key), JSON.stringify(entry), {
        expiration: { type: "EX", value: IDEMPOTENCY_TTL_SECONDS },
      }),
    );
  }

  async release(key: string): Promise<void> {
    await this.#run((client) => client.del(this.#key(key)));
  }

  async close(): Promise<void> {
    const pending = this.#client;
    this.#client = undefined;
    if (pending === undefined) return;
    try {
      const client = await pending;
      if (client.isOpen) await client.close();
    } catch {
      // Closing a client that never connected has nothing to release.
    }
  }
}
