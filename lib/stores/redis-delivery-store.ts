// Redis delivery store for deployments: shared by every function instance and durable across them.
// A record lives under `<prefix>d:<id>` and expires after the retention; a sorted set `<prefix>index`
// (score = received time in ms) lists them newest first. The claim is one MULTI: `SET … NX EX` of the
// record itself plus `ZADD NX` into the index, so a record is never claimed without being stored.
// The `redis` package is imported only when this store is used, so the receiver does not pay for it
// with the memory store.
import type { DeliveryRecord } from "../model/delivery.js";
import { storeUnavailable } from "../shared/errors.js";
import { RedisConnection } from "./redis-connection.js";
import type { ClaimOptions, ClaimResult, DeliveryStore, ListOptions, ListPage } from "./delivery-store.js";
import { decodeCursor, encodeCursor, isAfterCursor } from "./delivery-store.js";

export interface RedisStoreOptions {
  url: string;
  /** @default 30 days */
  retentionSeconds?: number;
  /** Key prefix, so several deployments or tests can share one Redis. @default "relay:" */
  prefix?: string;
  /** Upper bound on one store operation, connecting included. @default 3000 */
  operationTimeoutMs?: number;
  now?: () => number;
  /** Reports connection errors (the client emits them while it reconnects). */
  onError?: (error: Error) => void;
}

/** How many index entries one listing reads per round trip. */
const LIST_BATCH = 100;

export class RedisDeliveryStore implements DeliveryStore {
  readonly kind = "redis" as const;
  readonly #options: Required<Omit<RedisStoreOptions, "onError" | "url">>;
  readonly #redis: RedisConnection;

  constructor(options: RedisStoreOptions) {
    this.#options = {
      retentionSeconds: options.retentionSeconds ?? 30 * 86_400,
      prefix: options.prefix ?? "relay:",
      operationTimeoutMs: options.operationTimeoutMs ?? 3000,
      now: options.now ?? Date.now,
    };
    this.#redis = new RedisConnection({
      url: options.url,
      operationTimeoutMs: this.#options.operationTimeoutMs,
      onError: options.onError,
      toError: storeUnavailable,
    });
  }

  #key(id: string): string {
    return `${this.#options.prefix}d:${id}`;
  }

  get #indexKey(): string {
    return `${this.#options.prefix}index`;
  }

  async claim(record: DeliveryRecord, options: ClaimOptions = {}): Promise<ClaimResult> {
    const now = this.#options.now();
    const score = Date.parse(record.received_at);
    let sent: Promise<ClaimResult> | undefined;
    try {
      return await this.#redis.run((client) => {
        sent = client
          .multi()
          .set(this.#key(record.id), JSON.stringify(record), {
            condition: "NX",
            expiration: { type: "EX", value: this.#options.retentionSeconds },
          })
          .zAdd(this.#indexKey, { score, value: record.id }, { condition: "NX" })
          // Index entries of expired records are pruned as new ones arrive.
          .zRemRangeByScore(this.#indexKey, "-inf", now - this.#options.retentionSeconds * 1000)
          .exec()
          .then((replies) => ({ duplicate: String(replies[0]) !== "OK" }));
        return sent;
      });
    } catch (error) {
      // Timed out with the command sent: a Redis that was slow, not gone, still runs it later.
      const { onLateResult } = options;
      if (sent !== undefined && onLateResult !== undefined) sent.then(onLateResult, () => undefined);
      throw error;
    }
  }

  async save(record: DeliveryRecord): Promise<void> {
    await this.#redis.run((client) =>
      client.set(this.#key(record.id), JSON.stringify(record), { condition: "XX", expiration: "KEEPTTL" }),
    );
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const raw = await this.#redis.run((client) => client.get(this.#key(id)));
    return raw === null ? undefined : (JSON.parse(raw) as DeliveryRecord);
  }

  async list(options: ListOptions): Promise<ListPage> {
    const cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const deliveries: DeliveryRecord[] = [];
    let max: string = cursor === undefined ? "+inf" : String(cursor.time);
    let offset = 0;
    for (;;) {
      const entries = await this.#redis.run((client) =>
        client.zRangeWithScores(this.#indexKey, max, "-inf", {
          BY: "SCORE",
          REV: true,
          LIMIT: { offset, count: LIST_BATCH },
        }),
      );
      if (entries.length === 0) return { deliveries };
      const candidates = entries.filter(
        (entry) => cursor === undefined || isAfterCursor(entry.score, entry.value, cursor),
      );
      const raws =
        candidates.length === 0
          ? []
          : await this.#redis.run((client) => client.mGet(candidates.map((entry) => this.#key(entry.value))));
      for (const raw of raws) {
        if (raw === null) continue; // expired since it was indexed
        const record = JSON.parse(raw) as DeliveryRecord;
        if (options.filter !== undefined && !options.filter(record)) continue;
        if (deliveries.length === options.limit) {
          const last = deliveries.at(-1);
          return last === undefined ? { deliveries } : { deliveries, nextCursor: encodeCursor(last) };
        }
        deliveries.push(record);
      }
      if (entries.length < LIST_BATCH) return { deliveries };
      // Continue below the last score read; entries sharing that score are re-read and skipped.
      const lastEntry = entries.at(-1);
      if (lastEntry === undefined) return { deliveries };
      if (String(lastEntry.score) === max) {
        offset += LIST_BATCH;
      } else {
        max = String(lastEntry.score);
        offset = entries.filter((entry) => entry.score === lastEntry.score).length;
      }
    }
  }

  close(): Promise<void> {
    return this.#redis.close();
  }
}
