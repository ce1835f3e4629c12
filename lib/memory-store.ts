// In-process delivery store: the default for `npm run dev` and tests. Bounded both in entries and in
// age so that a long-running process does not grow without end; the oldest records go first.
// On Vercel each function instance has its own memory: use Redis there (see README).
import type { DeliveryRecord } from "./delivery.js";
import type { ClaimResult, DeliveryStore, ListOptions, ListPage } from "./store.js";
import { decodeCursor, encodeCursor, isAfterCursor } from "./store.js";

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
  // Map keeps insertion order, which is arrival order: eviction takes from the front.
  readonly #records = new Map<string, { record: DeliveryRecord; storedAt: number }>();
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
    this.#records.set(record.id, { record: structuredClone(record), storedAt: this.#now() });
    this.#evict();
    return { duplicate: false };
  }

  async save(record: DeliveryRecord): Promise<void> {
    const entry = this.#records.get(record.id);
    if (entry !== undefined) entry.record = structuredClone(record);
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const entry = this.#records.get(id);
    return entry === undefined ? undefined : structuredClone(entry.record);
  }

  async list(options: ListOptions): Promise<ListPage> {
    this.#evict();
    const cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const ordered = [...this.#records.values()]
      .map(({ record }) => ({ record, time: Date.parse(record.received_at) }))
      .sort((a, b) => b.time - a.time || (a.record.id < b.record.id ? 1 : a.record.id > b.record.id ? -1 : 0));
    const deliveries: DeliveryRecord[] = [];
    let more = false;
    for (const { record, time } of ordered) {
      if (cursor !== undefined && !isAfterCursor(time, record.id, cursor)) continue;
      if (options.filter !== undefined && !options.filter(record)) continue;
      if (deliveries.length === options.limit) {
        more = true;
        break;
      }
      deliveries.push(structuredClone(record));
    }
    const last = deliveries.at(-1);
    return more && last !== undefined ? { deliveries, nextCursor: encodeCursor(last) } : { deliveries };
  }

  async close(): Promise<void> {}

  #evict(): void {
    const oldestAllowed = this.#now() - this.#maxAgeMs;
    for (const [id, entry] of this.#records) {
      if (this.#records.size > this.#maxDeliveries || entry.storedAt < oldestAllowed) {
        this.#records.delete(id);
      } else {
        break;
      }
    }
  }
}
