// The delivery store: one interface, two implementations (memory for one process, Redis for a
// deployment that scales out). Claiming is the exactly-once gate: of any number of concurrent
// copies of one callback, exactly one claim succeeds. Both are bounded by bytes: a payload over the
// stored size cap is cut at claim (lib/stores/stored-record.ts), and the memory store has a budget.
import type { ActionRecord, DeliveryRecord } from "../model/delivery.js";
import { DELIVERY_ID_PATTERN } from "../model/delivery.js";
import type { DeliveryFilter } from "./delivery-filter.js";
import type { ActionNext, DueWork, Lease } from "./due-work.js";

export type { DeliveryFilter } from "./delivery-filter.js";

export interface ClaimResult {
  /** False for the first copy of a callback, true for every repeat. */
  duplicate: boolean;
  /**
   * For a new delivery: the claimer's lease on routing it (its `r|<id>` item, lib/stores/due-work.ts).
   * The claim enqueued that item in the same atomic step as the record, so a claimer that never
   * routes — it died, or the claim's reply was lost and it answered 503 — leaves it to the sweep.
   */
  lease?: Lease;
}

export interface ClaimOptions {
  /** How long the claimer holds the routing before the sweep may take it over. @default DEFAULT_ROUTE_LEASE_MS */
  routeLeaseMs?: number;
}

/** What committing a plan leased: the stored record of each pending action, with its lease. */
export interface PlanCommit {
  actions: { record: ActionRecord; lease: Lease }[];
}

export interface ListOptions {
  /** Page size. */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined;
  /**
   * Keeps only matching records; pages stay full. The Redis store answers it from its indexes,
   * reading only the records of the page.
   */
  filter?: DeliveryFilter | undefined;
}

export interface ListPage {
  deliveries: DeliveryRecord[];
  /** Present when more records may follow. */
  nextCursor?: string;
}

/**
 * Progress is saved per action (`commitAction`), atomically, so that concurrent writers — the
 * receiver, sweeps, replays — never lose each other's attempts: a delivery's actions are kept apart
 * from the rest of its record (a hash per delivery in Redis) and merged into it on every read.
 */
export interface DeliveryStore extends DueWork {
  readonly kind: "memory" | "redis";
  /**
   * Records the delivery unless one with the same id exists. Throws when the store is unreachable.
   * A payload over the store's size cap is cut first, in the record given (`payload` replaced,
   * `payload_truncated` set), so that what is routed is what is stored.
   */
  claim(record: DeliveryRecord, options?: ClaimOptions): Promise<ClaimResult>;
  /**
   * Replaces an existing record (event, routing, verdict) and writes each of its actions; does
   * nothing if it has expired. For one writer at a time (tests, older callers): routing and replays
   * write through `commitPlan` and `commitAction`, which never undo another writer's progress.
   */
  save(record: DeliveryRecord): Promise<void>;
  /**
   * Commits the routing plan of a delivery in one step: its record-level fields (event, routing,
   * verification, pause), each planned action not yet stored, the routing item removed, and a lease
   * (until `now + actionLeaseMs`) on every action whose stored state is `pending` and whose item no
   * other live lease holds. With `lease` (the routing item's), nothing is written unless it is still
   * held: then undefined. Without, the caller takes over whatever routing was under way.
   */
  commitPlan(record: DeliveryRecord, lease: Lease | undefined, now: number, actionLeaseMs: number): Promise<PlanCommit | undefined>;
  /**
   * Saves one action's record and moves its item (`next`) in one step. With `lease`, only while it is
   * held; without, only while no other lease on the item is running. False when nothing was written
   * (the lease was lost, or the delivery expired).
   */
  commitAction(deliveryId: string, record: ActionRecord, lease: Lease | undefined, next: ActionNext, now: number): Promise<boolean>;
  /**
   * The routing gate: of every confirmed delivery of one run and status (`key`), only the first to
   * ask routes. A forged copy recorded before the genuine callback holds the record's first id, never
   * this gate (only confirmed deliveries ask for it). Answers the delivery id that holds the gate.
   * Lives as long as the records.
   */
  claimRouting(key: string, deliveryId: string): Promise<{ won: boolean; holder: string }>;
  get(id: string): Promise<DeliveryRecord | undefined>;
  /** Newest first. */
  list(options: ListOptions): Promise<ListPage>;
  close(): Promise<void>;
}

/** Cursor of a position in the newest-first order: received time, then id, both descending. */
export function encodeCursor(record: Pick<DeliveryRecord, "received_at" | "id">): string {
  return Buffer.from(`${Date.parse(record.received_at)}:${record.id}`).toString("base64url");
}

export function decodeCursor(cursor: string): { time: number; id: string } | undefined {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  const match = new RegExp(`^(\\d+):(${DELIVERY_ID_PATTERN})$`).exec(decoded);
  if (match === null) return undefined;
  return { time: Number(match[1]), id: match[2] as string };
}

/** True when a record comes strictly after the cursor in newest-first order. */
export function isAfterCursor(time: number, id: string, cursor: { time: number; id: string }): boolean {
  return time < cursor.time || (time === cursor.time && id < cursor.id);
}
