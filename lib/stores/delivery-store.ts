// The delivery store: one interface, two implementations (memory for one process, Redis for a
// deployment that scales out). Claiming is the exactly-once gate: of any number of concurrent
// copies of one callback, exactly one claim succeeds. Both are bounded by bytes: a payload over the
// stored size cap is cut at claim (lib/stores/stored-record.ts), and the memory store has a budget.
import type { DeliveryRecord } from "../model/delivery.js";
import { DELIVERY_ID_PATTERN } from "../model/delivery.js";
import type { DeliveryFilter } from "./delivery-filter.js";

export type { DeliveryFilter } from "./delivery-filter.js";

export interface ClaimResult {
  /** False for the first copy of a callback, true for every repeat. */
  duplicate: boolean;
}

export interface ClaimOptions {
  /**
   * Called when the claim failed for want of an answer in time (the caller answers 503) and the store
   * then carried it out after all. With `duplicate: false` the caller holds the delivery and must
   * route it: LangGraph's retry of the callback will find it recorded, answer as a duplicate and
   * route nothing.
   */
  onLateResult?: (result: ClaimResult) => void;
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

export interface DeliveryStore {
  readonly kind: "memory" | "redis";
  /**
   * Records the delivery unless one with the same id exists. Throws when the store is unreachable.
   * A payload over the store's size cap is cut first, in the record given (`payload` replaced,
   * `payload_truncated` set), so that what is routed is what is stored.
   */
  claim(record: DeliveryRecord, options?: ClaimOptions): Promise<ClaimResult>;
  /** Replaces an existing record (action states, event); does nothing if it has expired. */
  save(record: DeliveryRecord): Promise<void>;
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
