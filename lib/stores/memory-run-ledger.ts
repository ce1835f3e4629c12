// The run ledger in this process's memory (lib/stores/run-ledger.ts says what it is for): the default
// without REDIS_URL, like the memory delivery store. Bounded in entries (the oldest go first) and in
// age (each entry until its expires_at). An entry evicted early makes its run's callback unknown: set
// REDIS_URL where that matters.
import type { LedgerEntry, NewLedgerEntry, ReconcileOutcome, RunLedger } from "./run-ledger.js";
import { checkNewEntry, entryOf } from "./run-ledger.js";

export interface MemoryLedgerOptions {
  /** @default 100_000 */
  maxEntries?: number;
  /** Clock in milliseconds. */
  now?: () => number;
}

/** A run entry reconciliation may still look at: no callback, not revoked, not settled. */
function isOpen(entry: LedgerEntry): boolean {
  return entry.kind === "run" && entry.revoked !== true && entry.callback_seen_at === undefined && entry.reconcile_outcome === undefined;
}

interface Held {
  entry: LedgerEntry;
  expiresAt: number;
}

/** How many puts between two sweeps of expired entries: bounded work per put, bounded growth. */
const SWEEP_EVERY = 1024;

export class MemoryRunLedger implements RunLedger {
  readonly kind = "memory" as const;
  // Insertion order is creation order: the bound evicts from the front.
  readonly #entries = new Map<string, Held>();
  readonly #byCron = new Map<string, Set<string>>();
  /** Entries a reconciliation listing took, until when (see RunLedger.listReconcileDue). */
  readonly #leases = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  #putsSinceSweep = 0;

  constructor(options: MemoryLedgerOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async put(entry: NewLedgerEntry): Promise<boolean> {
    const expiresAt = checkNewEntry(entry, this.#now());
    if (this.#live(entry.token_id) !== undefined) return false;
    this.#entries.delete(entry.token_id);
    this.#entries.set(entry.token_id, { entry: entryOf(entry), expiresAt });
    if (++this.#putsSinceSweep >= SWEEP_EVERY) this.#sweep();
    for (const tokenId of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#drop(tokenId);
    }
    return true;
  }

  async bindRun(tokenId: string, runId: string, threadId?: string): Promise<boolean> {
    const entry = this.#live(tokenId);
    if (entry === undefined || entry.kind !== "run" || entry.revoked === true) return false;
    if (entry.run_id !== undefined && entry.run_id !== runId) return false;
    if (threadId !== undefined && entry.thread_id !== undefined && entry.thread_id !== threadId) return false;
    entry.run_id = runId;
    if (threadId !== undefined) entry.thread_id = threadId;
    return true;
  }

  async bindCron(tokenId: string, cronId: string): Promise<boolean> {
    const entry = this.#live(tokenId);
    if (entry === undefined || entry.kind !== "cron" || entry.revoked === true) return false;
    if (entry.cron_id !== undefined && entry.cron_id !== cronId) return false;
    entry.cron_id = cronId;
    const tokens = this.#byCron.get(cronId) ?? new Set<string>();
    tokens.add(tokenId);
    this.#byCron.set(cronId, tokens);
    return true;
  }

  async get(tokenId: string): Promise<LedgerEntry | undefined> {
    const entry = this.#live(tokenId);
    return entry === undefined ? undefined : structuredClone(entry);
  }

  async revoke(tokenId: string): Promise<boolean> {
    const entry = this.#live(tokenId);
    if (entry === undefined) return false;
    entry.revoked = true;
    entry.revoked_at ??= new Date(this.#now()).toISOString();
    return true;
  }

  async findByCron(cronId: string): Promise<LedgerEntry[]> {
    const found: LedgerEntry[] = [];
    for (const tokenId of this.#byCron.get(cronId) ?? []) {
      const entry = this.#live(tokenId);
      if (entry !== undefined && entry.cron_id === cronId) found.push(structuredClone(entry));
    }
    return found;
  }

  async listStartedBefore(time: number, limit: number): Promise<LedgerEntry[]> {
    const now = this.#now();
    const open: LedgerEntry[] = [];
    for (const { entry, expiresAt } of this.#entries.values()) {
      if (expiresAt <= now || !isOpen(entry) || entry.reconcile_next_at !== undefined) continue;
      if (Date.parse(entry.created_at) < time) open.push(entry);
    }
    return open
      .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at))
      .slice(0, Math.max(0, limit))
      .map((entry) => structuredClone(entry));
  }

  async listReconcileDue(startedBefore: number, now: number, limit: number, leaseMs?: number): Promise<LedgerEntry[]> {
    const fresh: LedgerEntry[] = [];
    const deferred: LedgerEntry[] = [];
    const clock = this.#now();
    for (const { entry, expiresAt } of this.#entries.values()) {
      if (expiresAt <= clock || !isOpen(entry)) continue;
      if ((this.#leases.get(entry.token_id) ?? 0) > now) continue;
      if (entry.reconcile_next_at === undefined) {
        if (Date.parse(entry.created_at) < startedBefore) fresh.push(entry);
      } else if (Date.parse(entry.reconcile_next_at) <= now) {
        deferred.push(entry);
      }
    }
    const byCreated = (a: LedgerEntry, b: LedgerEntry) => Date.parse(a.created_at) - Date.parse(b.created_at);
    const byNext = (a: LedgerEntry, b: LedgerEntry) => Date.parse(a.reconcile_next_at ?? "") - Date.parse(b.reconcile_next_at ?? "");
    const due = [...fresh.sort(byCreated), ...deferred.sort(byNext)].slice(0, Math.max(0, limit));
    if (leaseMs !== undefined) {
      for (const [tokenId, until] of this.#leases) if (until <= now || this.#live(tokenId) === undefined) this.#leases.delete(tokenId);
      for (const entry of due) this.#leases.set(entry.token_id, now + leaseMs);
    }
    return due.map((entry) => structuredClone(entry));
  }

  async deferReconcile(tokenId: string, attempts: number, nextCheckAt: number): Promise<boolean> {
    const entry = this.#live(tokenId);
    if (entry === undefined || !isOpen(entry)) return false;
    this.#leases.delete(tokenId);
    entry.reconcile_attempts = attempts;
    entry.reconcile_next_at = new Date(nextCheckAt).toISOString();
    return true;
  }

  async settleReconcile(tokenId: string, outcome: ReconcileOutcome): Promise<boolean> {
    const entry = this.#live(tokenId);
    if (entry === undefined || !isOpen(entry)) return false;
    this.#leases.delete(tokenId);
    const now = new Date(this.#now()).toISOString();
    entry.reconcile_outcome = outcome;
    entry.reconciled_at = now;
    delete entry.reconcile_next_at;
    if (outcome === "reconciled") entry.callback_seen_at ??= now;
    return true;
  }

  async markCallbackSeen(tokenId: string, runId: string): Promise<boolean> {
    const entry = this.#live(tokenId);
    if (entry === undefined || entry.revoked === true) return false;
    if (entry.kind === "run") {
      if (entry.run_id !== undefined && entry.run_id !== runId) return false;
      entry.run_id = runId;
      entry.callback_seen_at ??= new Date(this.#now()).toISOString();
    } else {
      entry.callback_seen_at = new Date(this.#now()).toISOString();
    }
    return true;
  }

  async claimCallback(tokenId: string, runId: string): Promise<boolean> {
    // Synchronous from the read to the write: no other claim can come between them.
    if (this.#live(tokenId)?.callback_seen_at !== undefined) return false;
    return this.markCallbackSeen(tokenId, runId);
  }

  async markEnded(tokenId: string): Promise<boolean> {
    const entry = this.#live(tokenId);
    if (entry === undefined || entry.revoked === true) return false;
    entry.ended_at ??= new Date(this.#now()).toISOString();
    return true;
  }

  async close(): Promise<void> {}

  /** The entry, unless it has expired (then it is dropped). */
  #live(tokenId: string): LedgerEntry | undefined {
    const held = this.#entries.get(tokenId);
    if (held === undefined) return undefined;
    if (held.expiresAt > this.#now()) return held.entry;
    this.#drop(tokenId);
    return undefined;
  }

  #drop(tokenId: string): void {
    const cronId = this.#entries.get(tokenId)?.entry.cron_id;
    this.#entries.delete(tokenId);
    if (cronId === undefined) return;
    const tokens = this.#byCron.get(cronId);
    tokens?.delete(tokenId);
    if (tokens?.size === 0) this.#byCron.delete(cronId);
  }

  #sweep(): void {
    this.#putsSinceSweep = 0;
    const now = this.#now();
    for (const [tokenId, { expiresAt }] of this.#entries) if (expiresAt <= now) this.#drop(tokenId);
  }
}
