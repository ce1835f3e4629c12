// Redis delivery store for deployments: shared by every function instance and durable across them.
// A record lives under `<prefix>d:<id>` and expires after the retention; a sorted set `<prefix>index`
// (score = received time in ms) lists them newest first, and one sorted set per filter value lets a
// filtered listing read only the records of its page (keys and scripts: lib/stores/redis-delivery-indexes.ts).
// The claim is one script: `SET … NX EX` of the record, then — only if it was new — its index entries,
// so a record is never claimed without being stored and indexed. The `redis` package is imported only
// when this store is used, so the receiver does not pay for it with the memory store.
import type { DeliveryRecord } from "../model/delivery.js";
import { storeUnavailable } from "../shared/errors.js";
import { RedisConnection } from "./redis-connection.js";
import type { ClaimOptions, ClaimResult, DeliveryStore, ListOptions, ListPage } from "./delivery-store.js";
import { decodeCursor, encodeCursor, isAfterCursor } from "./delivery-store.js";
import { hasFilter, matchesFilter } from "./delivery-filter.js";
import { CLAIM_SCRIPT, DeliveryKeys, SAVE_SCRIPT, saveTargets } from "./redis-delivery-indexes.js";
import { PRODUCTION_PREFIX } from "./redis-namespace.js";
import { DEFAULT_STORED_PAYLOAD_MAX_BYTES, prepareForClaim } from "./stored-record.js";

export interface RedisStoreOptions {
  url: string;
  /** @default 30 days */
  retentionSeconds?: number;
  /**
   * Key prefix: the deployment environment's namespace (lib/stores/redis-namespace.ts), or one per test
   * sharing a Redis. @default "relay:"
   */
  prefix?: string;
  /** A payload over this many bytes is cut at claim (lib/model/payload-cap.ts). @default 256 KiB */
  maxPayloadBytes?: number;
  /** Upper bound on one store operation, connecting included. @default 3000 */
  operationTimeoutMs?: number;
  now?: () => number;
  /** Reports connection errors (the client emits them while it reconnects). */
  onError?: (error: Error) => void;
}

/** How many index entries one listing reads per round trip. */
const LIST_BATCH = 100;

/** Where a listing takes its candidates from, newest first. */
interface Source {
  /** The sorted set that orders them. */
  set: string;
  /** Score bounds in ZRANGE's syntax (`+inf`, `(123` exclusive). */
  max: string;
  min: string;
  /** Further sets a candidate must be in: the other filters given. */
  alsoIn: string[];
  /** True when every candidate matches (an index): then only the records of the page are read. */
  exact: boolean;
}

interface PageInProgress {
  deliveries: DeliveryRecord[];
  limit: number;
  matches: (record: DeliveryRecord) => boolean;
}

export class RedisDeliveryStore implements DeliveryStore {
  readonly kind = "redis" as const;
  readonly #options: Required<Omit<RedisStoreOptions, "onError" | "url" | "prefix">>;
  readonly #keys: DeliveryKeys;
  readonly #redis: RedisConnection;
  /** The received time of the first delivery indexed in this namespace, once known (it never changes). */
  #indexedSince: number | undefined;

  constructor(options: RedisStoreOptions) {
    this.#options = {
      retentionSeconds: options.retentionSeconds ?? 30 * 86_400,
      maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_STORED_PAYLOAD_MAX_BYTES,
      operationTimeoutMs: options.operationTimeoutMs ?? 3000,
      now: options.now ?? Date.now,
    };
    this.#keys = new DeliveryKeys(options.prefix ?? PRODUCTION_PREFIX);
    this.#redis = new RedisConnection({
      url: options.url,
      operationTimeoutMs: this.#options.operationTimeoutMs,
      onError: options.onError,
      toError: storeUnavailable,
    });
  }

  /** Index entries received at or before this time belong to expired records. */
  #pruneBound(): string {
    return String(this.#options.now() - this.#options.retentionSeconds * 1000);
  }

  async claim(record: DeliveryRecord, options: ClaimOptions = {}): Promise<ClaimResult> {
    const { json } = prepareForClaim(record, this.#options.maxPayloadBytes);
    const score = String(Date.parse(record.received_at));
    const keys = [this.#keys.record(record.id), this.#keys.since, ...this.#keys.setsOf(record)];
    const args = [json, String(this.#options.retentionSeconds), score, record.id, this.#pruneBound()];
    let sent: Promise<ClaimResult> | undefined;
    try {
      return await this.#redis.run((client) => {
        sent = client.eval(CLAIM_SCRIPT, { keys, arguments: args }).then((reply) => ({ duplicate: Number(reply) !== 1 }));
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
    const targets = saveTargets(this.#keys, record);
    const args = [
      JSON.stringify(record),
      String(Date.parse(record.received_at)),
      record.id,
      ...targets.states,
      String(this.#options.retentionSeconds),
      this.#pruneBound(),
    ];
    await this.#redis.run((client) => client.eval(SAVE_SCRIPT, { keys: targets.keys, arguments: args }));
  }

  async claimRouting(key: string, deliveryId: string): Promise<{ won: boolean; holder: string }> {
    const gate = `${this.#keys.prefix}g:${key}`;
    const holder = await this.#redis.run(async (client) => {
      const set = await client.set(gate, deliveryId, {
        condition: "NX",
        expiration: { type: "EX", value: this.#options.retentionSeconds },
      });
      return set === "OK" ? deliveryId : ((await client.get(gate)) ?? deliveryId);
    });
    return { won: holder === deliveryId, holder };
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const raw = await this.#redis.run((client) => client.get(this.#keys.record(id)));
    return raw === null ? undefined : (JSON.parse(raw) as DeliveryRecord);
  }

  async list(options: ListOptions): Promise<ListPage> {
    const cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const filter = hasFilter(options.filter) ? options.filter : undefined;
    const page: PageInProgress = {
      deliveries: [],
      limit: options.limit,
      matches: filter === undefined ? () => true : (record) => matchesFilter(record, filter),
    };
    const top = cursor === undefined ? "+inf" : String(cursor.time);
    let more: boolean;
    if (filter === undefined) {
      more = await this.#walk({ set: this.#keys.index, max: top, min: "-inf", alsoIn: [], exact: true }, cursor, page);
    } else {
      const since = await this.#readIndexedSince();
      more = false;
      if (since !== undefined) {
        // The smallest set drives the walk; the others are checked per batch of ids, never read whole.
        const [driver, ...others] = await this.#smallestFirst(this.#keys.setsFor(filter));
        if (driver !== undefined) {
          more = await this.#walk({ set: driver, max: top, min: String(since), alsoIn: others, exact: true }, cursor, page);
        }
      }
      // Deliveries stored before the indexes existed are matched by reading them, as earlier versions
      // did; there are none in a namespace that started with this version, and none once they expire.
      if (!more) {
        const max = since === undefined || (cursor !== undefined && cursor.time < since) ? top : `(${since}`;
        more = await this.#walk({ set: this.#keys.index, max, min: "-inf", alsoIn: [], exact: false }, cursor, page);
      }
    }
    const last = page.deliveries.at(-1);
    return more && last !== undefined ? { deliveries: page.deliveries, nextCursor: encodeCursor(last) } : { deliveries: page.deliveries };
  }

  close(): Promise<void> {
    return this.#redis.close();
  }

  /**
   * Fills the page from one source, newest first, after the cursor. True when the page is full and at
   * least one more candidate follows (the page then gets a cursor).
   */
  async #walk(source: Source, cursor: { time: number; id: string } | undefined, page: PageInProgress): Promise<boolean> {
    let max = source.max;
    let offset = 0;
    for (;;) {
      const entries = await this.#redis.run((client) =>
        client.zRangeWithScores(source.set, max, source.min, { BY: "SCORE", REV: true, LIMIT: { offset, count: LIST_BATCH } }),
      );
      if (entries.length === 0) return false;
      let ids = entries
        .filter((entry) => cursor === undefined || isAfterCursor(entry.score, entry.value, cursor))
        .map((entry) => entry.value);
      if (source.alsoIn.length > 0) ids = await this.#inAll(ids, source.alsoIn);
      // An exact source reads only as many records as the page still lacks; another reads the batch.
      let next = 0;
      while (next < ids.length) {
        if (page.deliveries.length === page.limit) return true;
        const chunk = ids.slice(next, source.exact ? next + page.limit - page.deliveries.length : ids.length);
        next += chunk.length;
        const raws = await this.#redis.run((client) => client.mGet(chunk.map((id) => this.#keys.record(id))));
        for (const raw of raws) {
          if (raw === null) continue; // expired since it was indexed
          const record = JSON.parse(raw) as DeliveryRecord;
          if (!page.matches(record)) continue;
          if (page.deliveries.length === page.limit) return true;
          page.deliveries.push(record);
        }
      }
      if (entries.length < LIST_BATCH) return false;
      // Continue below the last score read; entries sharing that score are re-read and skipped.
      const lastEntry = entries.at(-1);
      if (lastEntry === undefined) return false;
      if (String(lastEntry.score) === max) {
        offset += LIST_BATCH;
      } else {
        max = String(lastEntry.score);
        offset = entries.filter((entry) => entry.score === lastEntry.score).length;
      }
    }
  }

  /** The ids that are members of every set in `sets` (one ZMSCORE per set, in one round trip). */
  async #inAll(ids: string[], sets: string[]): Promise<string[]> {
    if (ids.length === 0) return ids;
    const replies = await this.#redis.run((client) => {
      const multi = client.multi();
      for (const set of sets) multi.zmScore(set, ids);
      return multi.exec();
    });
    const memberships = replies as unknown as (number | null)[][];
    return ids.filter((_, index) => memberships.every((scores) => scores[index] !== null));
  }

  /** The sets ordered by size, smallest first (one ZCARD each, in one round trip when several). */
  async #smallestFirst(sets: string[]): Promise<string[]> {
    if (sets.length < 2) return sets;
    const sizes = await this.#redis.run((client) => {
      const multi = client.multi();
      for (const set of sets) multi.zCard(set);
      return multi.exec();
    });
    return sets
      .map((set, index) => ({ set, size: Number(sizes[index]) }))
      .sort((a, b) => a.size - b.size)
      .map((entry) => entry.set);
  }

  async #readIndexedSince(): Promise<number | undefined> {
    if (this.#indexedSince !== undefined) return this.#indexedSince;
    const raw = await this.#redis.run((client) => client.get(this.#keys.since));
    if (raw !== null && Number.isFinite(Number(raw))) this.#indexedSince = Number(raw);
    return this.#indexedSince;
  }
}
