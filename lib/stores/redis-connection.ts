// One lazily opened Redis connection per process and URL, shared by every Redis store — deliveries,
// idempotency keys, the run ledger — with bounded operations. The `redis` package is imported on first
// use only, so handlers that never touch Redis never load it. Every failure of an operation — not
// connected, timed out, refused — becomes the calling store's own error (a 503), so callers answer
// promptly instead of hanging. Each store holds a `RedisConnection`; the client behind them is one
// (`ClientShare`), counted, and closed when the last store closes. The client is `@redis/client`, the
// core of the `redis` package without its modules (JSON, search, time series, Bloom), which the relay
// never uses: a third of the package, and of every function's bundle.
import type { RedisClientType } from "@redis/client";
import { createHash } from "node:crypto";
import { withTimeout } from "../shared/timeout.js";

export type RedisClient = RedisClientType;

export interface RedisConnectionOptions {
  url: string;
  /** Upper bound on one operation, connecting included. @default 3000 */
  operationTimeoutMs?: number;
  /** Reports connection errors, at most one every few seconds (the first store's reporter is used). */
  onError?: ((error: Error) => void) | undefined;
  /**
   * Turns a failure into the error the caller throws (e.g. a 503 RelayError); `where.url` is the
   * connection's URL, for a message that names the address (credentials left out by the caller).
   */
  toError: (cause: unknown, where: { url: string }) => Error;
}

/** Each script's SHA1, computed once per process (Redis keys its script cache by it). */
const scriptShas = new Map<string, string>();

/**
 * Runs a Lua script by its SHA1 (EVALSHA): the script's text (1–3 kB) is sent, and hashed by Redis,
 * only when Redis answers NOSCRIPT — its first use, or after a restart or SCRIPT FLUSH. A NOSCRIPT
 * reply means nothing ran, so sending the text then runs the script exactly once.
 */
export async function evalScript(client: RedisClient, script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
  let sha = scriptShas.get(script);
  if (sha === undefined) {
    sha = createHash("sha1").update(script).digest("hex");
    scriptShas.set(script, sha);
  }
  try {
    return await client.evalSha(sha, options);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("NOSCRIPT")) return client.eval(script, options);
    throw error;
  }
}

/** How often a reconnecting client may report its errors (it emits one per attempt). */
const ERROR_REPORT_INTERVAL_MS = 5000;

/** The client behind every store of one URL in this process. */
class ClientShare {
  refs = 0;
  #client: Promise<RedisClient> | undefined;
  /** The client object itself, so that close() can stop one that is still trying to connect. */
  #raw: RedisClient | undefined;
  #lastErrorReport = 0;

  constructor(
    readonly url: string,
    readonly connectTimeoutMs: number,
    readonly onError: ((error: Error) => void) | undefined,
  ) {}

  client(): Promise<RedisClient> {
    this.#client ??= this.#connect();
    return this.#client;
  }

  /** Drops a connection attempt that failed outright, so that the next call tries again. */
  forgetIfBroken(): void {
    const pending = this.#client;
    pending?.then(
      (client) => {
        if (!client.isOpen && this.#client === pending) this.#client = undefined;
      },
      () => {
        if (this.#client === pending) this.#client = undefined;
      },
    );
  }

  async #connect(): Promise<RedisClient> {
    const { createClient } = await import("@redis/client");
    let connectedOnce = false;
    const client: RedisClient = createClient({
      url: this.url,
      // Fail fast while disconnected instead of queueing: callers answer 503 promptly (LangGraph
      // then retries) rather than hold the request until its own timeout.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: this.connectTimeoutMs,
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
      this.onError?.(error);
    });
    this.#raw = client;
    await client.connect();
    return client;
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

const shares = new Map<string, ClientShare>();

export class RedisConnection {
  readonly #options: RedisConnectionOptions;
  readonly #timeoutMs: number;
  #share: ClientShare | undefined;

  constructor(options: RedisConnectionOptions) {
    this.#options = options;
    this.#timeoutMs = options.operationTimeoutMs ?? 3000;
  }

  /** The share of this URL, joined on first use (a store that is never used holds nothing). */
  #joined(): ClientShare {
    if (this.#share !== undefined) return this.#share;
    let share = shares.get(this.#options.url);
    if (share === undefined) {
      share = new ClientShare(this.#options.url, this.#timeoutMs, this.#options.onError);
      shares.set(this.#options.url, share);
    }
    share.refs += 1;
    this.#share = share;
    return share;
  }

  /** Runs one operation with a bound on its time; any failure becomes `toError(cause)`. */
  async run<T>(operation: (client: RedisClient) => Promise<T>): Promise<T> {
    const share = this.#joined();
    try {
      const connecting = share.client();
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
      share.forgetIfBroken();
      throw this.#options.toError(error, { url: this.#options.url });
    }
  }

  /** Leaves the share; the last store to leave closes the client. */
  async close(): Promise<void> {
    const share = this.#share;
    if (share === undefined) return;
    this.#share = undefined;
    share.refs -= 1;
    if (share.refs > 0) return;
    if (shares.get(share.url) === share) shares.delete(share.url);
    await share.close();
  }
}
