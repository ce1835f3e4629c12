// In-process delivery store: the default for `npm run dev` and tests. Bounded both in entries and in
// age so that a long-running process does not grow without end; the oldest records go first.
// On Vercel each function instance has its own memory: use Redis there (see README).
import type { DeliveryRecord } from "../model/delivery.js";
import type { ClaimResult, DeliveryStore, ListOptions, ListPage } from "./delivery-store.js";
import { decodeCursor, encodeCursor, isAfterCursor } from "./delivery-store.js";

export interface MemoryStoreOptions {
  /** @default 10_000 */
  maxDeliveries?: number;
  /** @default 24 hours */
  maxAgeSeconds?: number;
  /** Clock in milliseconds. */
  now?: () => number;
}

export class MemoryDeliveryStore implements DeliveryStore {
  readonly kind = "memory" as const;
  // Map keeps insertion order, which is arrival order: eviction takes from the front. The store keeps
  // the object it was given (the writer hands it over and writes again only through `save`), and
  // readers get copies: copying on every claim would cost more than the rest of the receiver.
  readonly #records = new Map<string, { record: DeliveryRecord; receivedAt: number; storedAt: number }>();
  // The ids in arrival order, read from `#head`: eviction finds the oldest here in O(1). Walking the
  // Map from its front instead steps over every entry deleted since V8 last compacted it — thousands
  // once the store is full, which cost 39 µs a claim at 10,000 records (1 µs this way).
  #order: string[] = [];
  #head = 0;
  readonly #maxDeliveries: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxDeliveries = options.maxDeliveries ?? 10_000;
    this.#maxAgeMs = (options.maxAgeSeconds ?? 24 * 3600) * 1000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#records.size;
  }

  async claim(record: DeliveryRecord): Promise<ClaimResult> {
    this.#evict();
    // Check and insert happen in one synchronous step, so concurrent claims cannot both win.
    if (this.#records.has(record.id)) return { duplicate: true };
    this.#records.set(record.id, {
      record,
      receivedAt: Date.parse(record.received_at),
      storedAt: this.#now(),
    });
    this.#order.push(record.id);
    this.#evict();
    return { duplicate: false };
  }

  async save(record: DeliveryRecord): Promise<void> {
    const entry = this.#records.get(record.id);
    if (entry !== undefined) entry.record = record;
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const entry = this.#records.get(id);
    return entry === undefined ? undefined : copy(entry.record);
  }

  async list(options: ListOptions): Promise<ListPage> {
    this.#evict();
    const cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const ordered = [...this.#records]
      .map(([id, entry]) => ({ id, entry }))
      .sort((a, b) => b.entry.receivedAt - a.entry.receivedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const deliveries: DeliveryRecord[] = [];
    let more = false;
    for (const { id, entry } of ordered) {
      if (cursor !== undefined && !isAfterCursor(entry.receivedAt, id, cursor)) continue;
      if (options.filter !== undefined && !options.filter(entry.record)) continue;
      if (deliveries.length === options.limit) {
        more = true;
        break;
      }
      deliveries.push(copy(entry.record));
    }
    const last = deliveries.at(-1);
    return more && last !== undefined ? { deliveries, nextCursor: encodeCursor(last) } : { deliveries };
  }

  async close(): Promise<void> {}

  #evict(): void {
    const oldestAllowed = this.#now() - this.#maxAgeMs;
    while (this.#head < this.#order.length) {
      const id = this.#order[this.#head] as string;
      const entry = this.#records.get(id);
      if (entry !== undefined && this.#records.size <= this.#maxDeliveries && entry.storedAt >= oldestAllowed) break;
      this.#records.delete(id);
      this.#head += 1;
    }
    // Drop the consumed front now and then, so the list stays about as long as the store.
    if (this.#head >= 1024 && this.#head * 2 >= this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** A deep copy with the same JSON semantics as the Redis store. */
function copy(record: DeliveryRecord): DeliveryRecord {
  return JSON.parse(JSON.stringify(record)) as DeliveryRecord;
}
