// Redis delivery store for deployments: shared by every function instance and durable across them.
// A record lives under `<prefix>d:<id>` and expires after the retention; a sorted set `<prefix>index`
// (score = received time in ms) lists them newest first, and one sorted set per filter value lets a
// filtered listing read only the records of its page (keys and scripts: lib/stores/redis-delivery-indexes.ts).
// The claim is one script: `SET … NX EX` of the record, then — only if it was new — its index entries,
// so a record is never claimed without being stored and indexed. The `redis` package is imported only
// when this store is used, so the receiver does not pay for it with the memory store.
import type { ActionRecord, DeliveryRecord } from "../model/delivery.js";
import { storeUnavailable } from "../shared/errors.js";
import { evalScript, RedisConnection } from "./redis-connection.js";
import type { ClaimOptions, ClaimResult, DeliveryStore, ListOptions, ListPage, PlanCommit } from "./delivery-store.js";
import { decodeCursor, encodeCursor, isAfterCursor } from "./delivery-store.js";
import { hasFilter, matchesFilter } from "./delivery-filter.js";
import type { ActionNext, Lease } from "./due-work.js";
import { actionItem, DEFAULT_ROUTE_LEASE_MS, newLeaseToken, routeItem } from "./due-work.js";
import { actionArguments, CLAIM_SCRIPT, DeliveryKeys, eventSets, mergeActions } from "./redis-delivery-indexes.js";
import { ACQUIRE_SCRIPT, CLAIM_DUE_SCRIPT, COMMIT_ACTION_SCRIPT, COMMIT_PLAN_SCRIPT, RELEASE_SCRIPT, SAVE_SCRIPT } from "./redis-due-scripts.js";
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
  #indexedSince2: number | undefined;

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
    const keys = this.#keys;
    const lease: Lease = {
      item: routeItem(record.id),
      token: newLeaseToken(),
      until: this.#options.now() + (options.routeLeaseMs ?? DEFAULT_ROUTE_LEASE_MS),
    };
    const script = {
      keys: [keys.record(record.id), keys.since, keys.since2, keys.due, keys.lease, keys.actions(record.id), ...keys.setsOf(record)],
      arguments: [
        json,
        String(this.#options.retentionSeconds),
        score,
        record.id,
        this.#pruneBound(),
        lease.item,
        String(lease.until),
        lease.token,
        ...actionArguments(record),
      ],
    };
    // A claim whose reply is lost (timed out here, carried out by Redis) leaves its routing item due
    // once the lease runs out: the sweep routes it. Nothing in this process has to outlive the request.
    const reply = await this.#redis.run((client) => evalScript(client, CLAIM_SCRIPT, script));
    return Number(reply) === 1 ? { duplicate: false, lease } : { duplicate: true };
  }

  /** The keys the save scripts share: record, actions, the state sets, the event sets. */
  #recordKeys(record: DeliveryRecord): string[] {
    return [this.#keys.record(record.id), this.#keys.actions(record.id), ...this.#keys.stateSets, ...eventSets(this.#keys, record)];
  }

  async save(record: DeliveryRecord): Promise<void> {
    const [recordKey, actionsKey, ...rest] = this.#recordKeys(record);
    const args = [
      JSON.stringify(record),
      record.id,
      String(Date.parse(record.received_at)),
      String(this.#options.retentionSeconds),
      this.#pruneBound(),
      ...actionArguments(record),
    ];
    await this.#redis.run((client) => evalScript(client, SAVE_SCRIPT, { keys: [recordKey as string, actionsKey as string, ...rest], arguments: args }));
  }

  async commitPlan(record: DeliveryRecord, lease: Lease | undefined, now: number, actionLeaseMs: number): Promise<PlanCommit | undefined> {
    const [recordKey, actionsKey, ...rest] = this.#recordKeys(record);
    const token = newLeaseToken();
    const until = now + actionLeaseMs;
    const args = [
      JSON.stringify(record),
      record.id,
      String(Date.parse(record.received_at)),
      String(this.#options.retentionSeconds),
      this.#pruneBound(),
      routeItem(record.id),
      lease?.token ?? "",
      String(now),
      String(until),
      token,
      ...record.actions.flatMap((action) => [action.name, JSON.stringify(action), actionItem(record.id, action.name)]),
    ];
    const keys = [recordKey as string, actionsKey as string, this.#keys.due, this.#keys.lease, ...rest];
    const reply = await this.#redis.run((client) => evalScript(client, COMMIT_PLAN_SCRIPT, { keys, arguments: args }));
    if (!Array.isArray(reply)) return undefined;
    const flat = reply as unknown as string[];
    const commit: PlanCommit = { actions: [] };
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = flat[i] as string;
      commit.actions.push({ record: JSON.parse(flat[i + 1] as string) as ActionRecord, lease: { item: actionItem(record.id, name), token, until } });
    }
    return commit;
  }

  async commitAction(deliveryId: string, action: ActionRecord, lease: Lease | undefined, next: ActionNext, now: number): Promise<boolean> {
    const item = actionItem(deliveryId, action.name);
    const time = next.kind === "at" ? next.at : next.kind === "extend" ? next.until : 0;
    const keys = [
      this.#keys.record(deliveryId),
      this.#keys.actions(deliveryId),
      this.#keys.due,
      this.#keys.lease,
      ...this.#keys.stateSets,
      this.#keys.index,
    ];
    const args = [
      deliveryId,
      String(this.#options.now()),
      item,
      lease?.token ?? "",
      String(now),
      next.kind,
      String(time),
      action.name,
      JSON.stringify(action),
      String(this.#options.retentionSeconds),
      this.#pruneBound(),
      action.state,
    ];
    const reply = await this.#redis.run((client) => evalScript(client, COMMIT_ACTION_SCRIPT, { keys, arguments: args }));
    if (Number(reply) === 1 && next.kind === "extend" && lease !== undefined) lease.until = next.until;
    return Number(reply) === 1;
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<Lease[]> {
    const token = newLeaseToken();
    const until = now + leaseMs;
    const reply = await this.#redis.run((client) =>
      evalScript(client, CLAIM_DUE_SCRIPT, { keys: [this.#keys.due, this.#keys.lease], arguments: [String(now), String(limit), String(until), token] }),
    );
    return (reply as unknown as string[]).map((item) => ({ item, token, until }));
  }

  async acquire(item: string, now: number, leaseMs: number): Promise<Lease | undefined> {
    const lease: Lease = { item, token: newLeaseToken(), until: now + leaseMs };
    const reply = await this.#redis.run((client) =>
      evalScript(client, ACQUIRE_SCRIPT, { keys: [this.#keys.due, this.#keys.lease], arguments: [item, String(now), String(lease.until), lease.token] }),
    );
    return Number(reply) === 1 ? lease : undefined;
  }

  async release(lease: Lease, at?: number): Promise<boolean> {
    const args = [lease.item, lease.token, at === undefined ? "done" : "at", String(at ?? 0)];
    const reply = await this.#redis.run((client) => evalScript(client, RELEASE_SCRIPT, { keys: [this.#keys.due, this.#keys.lease], arguments: args }));
    return Number(reply) === 1;
  }

  async extend(lease: Lease, until: number): Promise<boolean> {
    const args = [lease.item, lease.token, "extend", String(until)];
    const reply = await this.#redis.run((client) => evalScript(client, RELEASE_SCRIPT, { keys: [this.#keys.due, this.#keys.lease], arguments: args }));
    if (Number(reply) === 1) lease.until = until;
    return Number(reply) === 1;
  }

  dueCount(): Promise<number> {
    return this.#redis.run((client) => client.zCard(this.#keys.due));
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
    const [raw, hash] = await this.#redis.run((client) =>
      Promise.all([client.get(this.#keys.record(id)), client.hGetAll(this.#keys.actions(id))]),
    );
    return raw === null ? undefined : mergeActions(JSON.parse(raw) as DeliveryRecord, hash);
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
      // Route and source were indexed from a later version on (their own marker); the others from x:since.
      const newer = filter.route !== undefined || filter.source !== undefined;
      const since = await this.#readIndexedSince(newer);
      const floor = filter.since === undefined ? "-inf" : String(filter.since);
      const sets = this.#keys.setsFor(filter);
      more = false;
      if (sets.length === 0) {
        // `since` alone: a range of the main index.
        more = await this.#walk({ set: this.#keys.index, max: top, min: floor, alsoIn: [], exact: true }, cursor, page);
      } else {
        if (since !== undefined) {
          // The smallest set drives the walk; the others are checked per batch of ids, never read whole.
          const [driver, ...others] = await this.#smallestFirst(sets);
          const min = String(Math.max(since, filter.since ?? since));
          if (driver !== undefined) more = await this.#walk({ set: driver, max: top, min, alsoIn: others, exact: true }, cursor, page);
        }
        // Deliveries stored before the indexes existed are matched by reading them, as earlier versions
        // did; there are none in a namespace that started with this version, and none once they expire.
        if (!more && (since === undefined || filter.since === undefined || filter.since < since)) {
          const max = since === undefined || (cursor !== undefined && cursor.time < since) ? top : `(${since}`;
          more = await this.#walk({ set: this.#keys.index, max, min: floor, alsoIn: [], exact: false }, cursor, page);
        }
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
        const [raws, hashes] = await this.#redis.run((client) =>
          Promise.all([
            client.mGet(chunk.map((id) => this.#keys.record(id))),
            Promise.all(chunk.map((id) => client.hGetAll(this.#keys.actions(id)))),
          ]),
        );
        for (const [index, raw] of raws.entries()) {
          if (raw === null) continue; // expired since it was indexed
          const record = mergeActions(JSON.parse(raw) as DeliveryRecord, hashes[index] ?? {});
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

  async #readIndexedSince(newer = false): Promise<number | undefined> {
    const cached = newer ? this.#indexedSince2 : this.#indexedSince;
    if (cached !== undefined) return cached;
    const raw = await this.#redis.run((client) => client.get(newer ? this.#keys.since2 : this.#keys.since));
    if (raw === null || !Number.isFinite(Number(raw))) return undefined;
    if (newer) this.#indexedSince2 = Number(raw);
    else this.#indexedSince = Number(raw);
    return Number(raw);
  }
}
