// Due work and leases: what the delivery store keeps so that no attempt is lost with the function
// that ran it, and none runs twice at once. Each unit of work is an item in a due-time index (a Redis
// sorted set, score = when it is due; a Map in memory):
//
//   r|<delivery id>            route this delivery (confirm, pause check, plan): enqueued by the claim
//                              itself, due once the receiver's lease runs out, removed when the plan
//                              is committed — a receiver that died leaves it due for the sweep
//   a|<delivery id>|<action>   the next attempt of one action: due at its scheduled time
//   p|<delivery id>            a paused run's `unanswered` option (lib/hitl/unanswered.ts): enqueued
//                              when the run.paused delivery is routed with a route that has one, due
//                              when its time is up; acted on (remind / decide) or dropped if answered
//
// Taking an item leases it: its due time moves to the lease's end and the holder's token is written
// beside it, in one step (one Lua script in Redis, one synchronous section in memory). A holder that
// dies leaves an item that falls due again when its lease runs out; every write that completes or
// reschedules an item checks the token first, so a holder whose lease was taken over changes nothing.
import { randomUUID } from "node:crypto";

/** One leased item: whoever holds `token` may complete it, reschedule it or extend it until `until`. */
export interface Lease {
  item: string;
  token: string;
  /** When the lease runs out (ms): the item is due again then, for anyone. */
  until: number;
}

/** What becomes of an action's item when its record is committed. */
export type ActionNext =
  /** The action is done (succeeded or dead): the item goes. */
  | { kind: "done" }
  /** The next attempt is due at `at`: the item is rescheduled and the lease let go. */
  | { kind: "at"; at: number }
  /** The holder keeps going (an inline retry): the lease is extended to `until`. */
  | { kind: "extend"; until: number };

export const ROUTE_ITEM_PREFIX = "r|";
export const ACTION_ITEM_PREFIX = "a|";
export const PAUSE_ITEM_PREFIX = "p|";

export const routeItem = (deliveryId: string): string => `${ROUTE_ITEM_PREFIX}${deliveryId}`;
export const actionItem = (deliveryId: string, action: string): string => `${ACTION_ITEM_PREFIX}${deliveryId}|${action}`;
export const pauseItem = (deliveryId: string): string => `${PAUSE_ITEM_PREFIX}${deliveryId}`;

/** What an item names: a delivery to route, or one action of a delivery. */
export type ParsedItem = { kind: "route"; deliveryId: string } | { kind: "action"; deliveryId: string; action: string } | { kind: "pause"; deliveryId: string };

export function parseItem(item: string): ParsedItem | undefined {
  if (item.startsWith(ROUTE_ITEM_PREFIX)) return { kind: "route", deliveryId: item.slice(ROUTE_ITEM_PREFIX.length) };
  if (item.startsWith(PAUSE_ITEM_PREFIX)) return { kind: "pause", deliveryId: item.slice(PAUSE_ITEM_PREFIX.length) };
  if (item.startsWith(ACTION_ITEM_PREFIX)) {
    const rest = item.slice(ACTION_ITEM_PREFIX.length);
    const bar = rest.indexOf("|");
    if (bar <= 0) return undefined;
    return { kind: "action", deliveryId: rest.slice(0, bar), action: rest.slice(bar + 1) };
  }
  return undefined;
}

/**
 * A fresh lease token: random, never derived from anything secret. `randomUUID` (122 random bits) draws
 * from a cached pool of entropy; `randomBytes` asks the system for each token, ~5 µs against ~0.3 µs,
 * and a callback takes two or three leases (bench/README.md, receiver).
 */
export function newLeaseToken(): string {
  return randomUUID();
}

/**
 * How long the receiver holds a new delivery's routing before the sweep may take it over: the
 * webhook function's whole life (confirming and routing must be done inside it) plus a margin.
 */
export const DEFAULT_ROUTE_LEASE_MS = 70_000;

/** Kept beyond an attempt's own timeout in its lease: recording the outcome takes a moment too. */
export const LEASE_MARGIN_MS = 5_000;

/** The due work and leases of a delivery store (see the top of this file). */
export interface DueWork {
  /**
   * Leases up to `limit` items due at `now` (their due time ≤ now), each until `now + leaseMs`, in
   * one atomic step: of concurrent callers, each item goes to one. Oldest due first.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<Lease[]>;
  /**
   * Leases one item now whatever its due time (a replay runs it at once), unless another holder's
   * lease on it is still running: then undefined.
   */
  acquire(item: string, now: number, leaseMs: number): Promise<Lease | undefined>;
  /** Lets go of a lease: the item goes (`at` undefined) or is due again at `at`. False if the lease was lost. */
  release(lease: Lease, at?: number): Promise<boolean>;
  /** Moves a held lease's end to `until`. False if the lease was lost. */
  extend(lease: Lease, until: number): Promise<boolean>;
  /** How many items are in the index (due or not): tests and benchmarks. */
  dueCount(): Promise<number>;
}
