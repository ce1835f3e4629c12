// One lazily opened Redis connection with bounded operations, shared by the delivery store and the
// idempotency store. The `redis` package is imported on first use only, so handlers that never touch
// Redis never load it. Every failure of an operation — not connected, timed out, refused — becomes
// the caller's own error (a 503), so callers answer promptly instead of hanging.
import type { RedisClientType } from "redis";
import { withTimeout } from "../shared/timeout.js";

export type RedisClient = RedisClientType;

export interface RedisConnectionOptions {
  url: string;
  /** Upper bound on one operation, connecting included. @default 3000 */
  operationTimeoutMs?: number;
  /** Reports connection errors, at most one every few seconds. */
  onError?: ((error: Error) => void) | undefined;
  /** Turns a failure into the error the caller throws (e.g. a 503 RelayError). */
  toError: (cause: unknown) => Error;
}

/** How often a reconnecting client may report its errors (it emits one per attempt). */
const ERROR_REPORT_INTERVAL_MS = 5000;

export class RedisConnection {
  readonly #options: RedisConnectionOptions;
  readonly #timeoutMs: number;
  #client: Promise<RedisClient> | undefined;
  /** The client object itself, so that close() can stop one that is still trying to connect. */
  #raw: RedisClient | undefined;
  #lastErrorReport = 0;

  constructor(options: RedisConnectionOptions) {
    this.#options = options;
    this.#timeoutMs = options.operationTimeoutMs ?? 3000;
  }

  async #connect(): Promise<RedisClient> {
    const { createClient } = await import("redis");
    let connectedOnce = false;
    const client: RedisClient = createClient({
      url: this.#options.url,
      // Fail fast while disconnected instead of queueing: callers answer 503 promptly (LangGraph
      // then retries) rather than hold the request until its own timeout.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: this.#timeoutMs,
        // Once connected, reconnect in the background with capped backoff. Before the first
        // connection, give up at once: the caller answers 503 now and the next call tries afresh.
        reconnectStrategy: (retries: number, cause: Error) => (connectedOnce ? Math.min(50 * 2 ** retries, 1000) : cause),
      },
    });
    client.on("ready", () => {
      connectedOnce = true;
    });
    client.on("error", (error: Error) => {
      if (Date.now() - this.#lastErrorReport < ERROR_REPORT_INTERVAL_MS) return;
      this.#lastErrorReport = Date.now();
      this.#options.onError?.(error);
    });
    this.#raw = client;
    await client.connect();
    return client;
  }

  /** Runs one operation with a bound on its time; any failure becomes `toError(cause)`. */
  async run<T>(operation: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      this.#client ??= this.#connect();
      const connecting = this.#client;
      // The operation starts only if the connection came within the bound: a late connection must not
      // run a claim whose caller was already told 503.
      let timedOut = false;
      const operate = connecting.then((client) => {
        if (timedOut) throw new Error("Redis connected after the operation's time ran out");
        return operation(client);
      });
      return await withTimeout(operate, this.#timeoutMs, "Redis did not answer").catch((error: unknown) => {
        timedOut = true;
        throw error;
      });
    } catch (error) {
      // A connection attempt that failed outright is dropped so the next call tries again.
      const pending = this.#client;
      pending?.then(
        (client) => {
          if (!client.isOpen && this.#client === pending) this.#client = undefined;
        },
        () => {
          if (this.#client === pending) this.#client = undefined;
        },
      );
      throw this.#options.toError(error);
    }
  }

  async close(): Promise<void> {
    const client = this.#raw;
    this.#client = undefined;
    this.#raw = undefined;
    if (client === undefined || !client.isOpen) return;
    try {
      // A client still (re)connecting has nothing to flush: destroy it rather than wait for it.
      if (client.isReady) await client.close();
      else client.destroy();
    } catch {
      client.destroy();
    }
  }
}
