// In-process delivery store: the default for `npm run dev` and tests. Bounded in entries, in bytes and
// in age so that a long-running process does not grow without end; the oldest records go first.
// Bytes are each record's JSON size, measured at claim and at each save: a record held as objects
// takes a small multiple of that in the heap, so the budget bounds memory up to that factor.
// On Vercel each function instance has its own memory: use Redis there (see docs/operations.md).
// Due work and leases (lib/stores/due-work.ts) live in a Map beside the records: they survive nothing
// but this process, which is what `npm run dev` and tests need.
import type { ActionRecord, DeliveryRecord } from "../model/delivery.js";
import type { ClaimOptions, ClaimResult, DeliveryStore, ListOptions, ListPage, PlanCommit } from "./delivery-store.js";
import type { ActionNext, Lease } from "./due-work.js";
import { actionItem, DEFAULT_ROUTE_LEASE_MS, newLeaseToken, routeItem } from "./due-work.js";
import { decodeCursor, encodeCursor, isAfterCursor } from "./delivery-store.js";
import { hasFilter, matchesFilter } from "./delivery-filter.js";
import { DEFAULT_STORED_PAYLOAD_MAX_BYTES, measureRecord, prepareForClaim } from "./stored-record.js";

/** @default byte budget of the memory store (MEMORY_STORE_MAX_MB). */
export const DEFAULT_MEMORY_MAX_BYTES = 64 * 2 ** 20;

export interface MemoryStoreOptions {
  /** @default 10_000 */
  maxDeliveries?: number;
  /** Budget for the records' JSON size in all. @default 64 MiB */
  maxBytes?: number;
  /** A payload over this many bytes is cut at claim (lib/model/payload-cap.ts). @default 256 KiB */
  maxPayloadBytes?: number;
  /** @default 24 hours */
  maxAgeSeconds?: number;
  /** Clock in milliseconds. */
  now?: () => number;
}

interface Entry {
  record: DeliveryRecord;
  receivedAt: number;
  storedAt: number;
  bytes: number;
}

export class MemoryDeliveryStore implements DeliveryStore {
  readonly kind = "memory" as const;
  // Map keeps insertion order, which is arrival order: eviction takes from the front. The store keeps
  // the object it was given (the writer hands it over and writes again only through `save`), and
  // readers get copies: copying on every claim would cost more than the rest of the receiver.
  readonly #records = new Map<string, Entry>();
  // The ids in arrival order, read from `#head`: eviction finds the oldest here in O(1). Walking the
  // Map from its front instead steps over every entry deleted since V8 last compacted it — thousands
  // once the store is full, which cost 39 µs a claim at 10,000 records (1 µs this way).
  #order: string[] = [];
  #head = 0;
  #bytes = 0;
  /** Due work: item → when it is due (or its lease runs out) and the token of the lease on it. */
  readonly #due = new Map<string, { at: number; token: string | undefined }>();
  /** Routing gates (see DeliveryStore.claimRouting), in the order they were taken. */
  readonly #gates = new Map<string, { holder: string; expiresAt: number }>();
  readonly #maxDeliveries: number;
  readonly #maxBytes: number;
  readonly #maxPayloadBytes: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxDeliveries = options.maxDeliveries ?? 10_000;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MEMORY_MAX_BYTES;
    this.#maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_STORED_PAYLOAD_MAX_BYTES;
    this.#maxAgeMs = (options.maxAgeSeconds ?? 24 * 3600) * 1000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#records.size;
  }

  /** The records' JSON size in all, as counted against `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  async claim(record: DeliveryRecord, options: ClaimOptions = {}): Promise<ClaimResult> {
    this.#evict();
    // Check and insert happen in one synchronous step, so concurrent claims cannot both win.
    if (this.#records.has(record.id)) return { duplicate: true };
    const lease: Lease = {
      item: routeItem(record.id),
      token: newLeaseToken(),
      until: this.#now() + (options.routeLeaseMs ?? DEFAULT_ROUTE_LEASE_MS),
    };
    this.#due.set(lease.item, { at: lease.until, token: lease.token });
    const { bytes } = prepareForClaim(record, this.#maxPayloadBytes);
    this.#records.set(record.id, {
      record,
      receivedAt: Date.parse(record.received_at),
      storedAt: this.#now(),
      bytes,
    });
    this.#bytes += bytes;
    this.#order.push(record.id);
    this.#evict();
    return { duplicate: false, lease };
  }

  async save(record: DeliveryRecord): Promise<void> {
    const entry = this.#records.get(record.id);
    if (entry === undefined) return;
    // Actions stored and absent from the record given stay (as in Redis, where they are a hash).
    const kept = entry.record === record ? [] : entry.record.actions.filter((stored) => !record.actions.some((action) => action.name === stored.name));
    if (kept.length > 0) record.actions.push(...kept);
    this.#replace(entry, record);
  }

  /** Whether another holder's lease on `item` is still running at `now`. */
  #busy(item: string, now: number, token?: string): boolean {
    const due = this.#due.get(item);
    return due !== undefined && due.token !== undefined && due.token !== token && due.at > now;
  }

  async commitPlan(record: DeliveryRecord, lease: Lease | undefined, now: number, actionLeaseMs: number): Promise<PlanCommit | undefined> {
    const entry = this.#records.get(record.id);
    const route = routeItem(record.id);
    if (lease !== undefined && this.#due.get(route)?.token !== lease.token) return undefined;
    if (entry === undefined) {
      this.#due.delete(route);
      return undefined;
    }
    // The stored actions win over the plan's (a previous holder's progress); planned ones are added.
    const stored = entry.record.actions;
    const actions = stored === record.actions ? stored : [...stored];
    for (const planned of record.actions) {
      if (!actions.some((action) => action.name === planned.name)) actions.push(planned);
    }
    record.actions = actions;
    this.#due.delete(route);
    const token = newLeaseToken();
    const commit: PlanCommit = { actions: [] };
    for (const action of actions) {
      const item = actionItem(record.id, action.name);
      if (action.state !== "pending" || this.#busy(item, now)) continue;
      const until = now + actionLeaseMs;
      this.#due.set(item, { at: until, token });
      commit.actions.push({ record: action, lease: { item, token, until } });
    }
    this.#replace(entry, record);
    return commit;
  }

  async commitAction(deliveryId: string, action: ActionRecord, lease: Lease | undefined, next: ActionNext, now: number): Promise<boolean> {
    const entry = this.#records.get(deliveryId);
    const item = actionItem(deliveryId, action.name);
    if (entry === undefined) {
      this.#due.delete(item);
      return false;
    }
    if (lease !== undefined ? this.#due.get(item)?.token !== lease.token : this.#busy(item, now)) return false;
    const actions = entry.record.actions;
    const index = actions.findIndex((stored) => stored.name === action.name);
    if (index === -1) actions.push(action);
    else actions[index] = action;
    if (next.kind === "done") this.#due.delete(item);
    else if (next.kind === "at") this.#due.set(item, { at: next.at, token: undefined });
    else this.#due.set(item, { at: next.until, token: lease?.token });
    this.#replace(entry, entry.record);
    return true;
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<Lease[]> {
    const due: [string, number][] = [];
    for (const [item, { at }] of this.#due) if (at <= now) due.push([item, at]);
    due.sort((a, b) => a[1] - b[1]);
    const token = newLeaseToken();
    const until = now + leaseMs;
    return due.slice(0, limit).map(([item]) => {
      this.#due.set(item, { at: until, token });
      return { item, token, until };
    });
  }

  async acquire(item: string, now: number, leaseMs: number): Promise<Lease | undefined> {
    if (this.#busy(item, now)) return undefined;
    const lease = { item, token: newLeaseToken(), until: now + leaseMs };
    this.#due.set(item, { at: lease.until, token: lease.token });
    return lease;
  }

  async release(lease: Lease, at?: number): Promise<boolean> {
    if (this.#due.get(lease.item)?.token !== lease.token) return false;
    if (at === undefined) this.#due.delete(lease.item);
    else this.#due.set(lease.item, { at, token: undefined });
    return true;
  }

  async extend(lease: Lease, until: number): Promise<boolean> {
    const due = this.#due.get(lease.item);
    if (due?.token !== lease.token) return false;
    due.at = until;
    lease.until = until;
    return true;
  }

  async dueCount(): Promise<number> {
    return this.#due.size;
  }

  /** Puts `record` in the entry, measured again: a save may add a pause's interrupts or attempts. */
  #replace(entry: Entry, record: DeliveryRecord): void {
    const { bytes } = measureRecord(record);
    this.#bytes += bytes - entry.bytes;
    entry.record = record;
    entry.bytes = bytes;
    this.#evict();
  }

  async claimRouting(key: string, deliveryId: string): Promise<{ won: boolean; holder: string }> {
    const now = this.#now();
    for (const [gate, { expiresAt }] of this.#gates) {
      if (expiresAt > now) break;
      this.#gates.delete(gate);
    }
    const held = this.#gates.get(key);
    if (held !== undefined) return { won: held.holder === deliveryId, holder: held.holder };
    this.#gates.set(key, { holder: deliveryId, expiresAt: now + this.#maxAgeMs });
    // Bounded like the records: a gate whose records were evicted protects nothing more.
    while (this.#gates.size > this.#maxDeliveries) {
      const oldest = this.#gates.keys().next();
      if (oldest.done === true) break;
      this.#gates.delete(oldest.value);
    }
    return { won: true, holder: deliveryId };
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const entry = this.#records.get(id);
    return entry === undefined ? undefined : copy(entry.record);
  }

  async list(options: ListOptions): Promise<ListPage> {
    this.#evict();
    const cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const filter = hasFilter(options.filter) ? options.filter : undefined;
    const ordered = [...this.#records]
      .map(([id, entry]) => ({ id, entry }))
      .sort((a, b) => b.entry.receivedAt - a.entry.receivedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const deliveries: DeliveryRecord[] = [];
    let more = false;
    for (const { id, entry } of ordered) {
      if (cursor !== undefined && !isAfterCursor(entry.receivedAt, id, cursor)) continue;
      if (filter !== undefined && !matchesFilter(entry.record, filter)) continue;
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
      // The newest record always stays, even alone over the budget: dropping the delivery just claimed
      // would let its repeat through as new.
      const overBudget = this.#bytes > this.#maxBytes && this.#records.size > 1;
      if (entry !== undefined && this.#records.size <= this.#maxDeliveries && !overBudget && entry.storedAt >= oldestAllowed) {
        break;
      }
      if (entry !== undefined) {
        this.#records.delete(id);
        this.#bytes -= entry.bytes;
      }
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
