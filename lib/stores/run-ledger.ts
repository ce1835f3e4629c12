// The run ledger: every run and cron the relay starts, keyed by the id (`jti`) of the webhook token it
// minted for it. LangGraph does not sign its callbacks, so the token in the webhook URL is all that
// vouches for one — and that URL is visible in LangGraph's run and cron records and in request logs.
// The ledger is what lets a token vouch for exactly what it was minted for: a callback whose token names
// an entry for another run (or a revoked one, or none) is not that token's to send.
//
// The lifecycle, as the trigger and the receiver use it:
//
//   put(entry)                 before LangGraph is called: the token exists from now on, bound to an
//                              assistant (and a thread when one was given), not yet to a run
//   bindRun / bindCron         once LangGraph answered: the run (and the thread of a stateless run) or
//                              the cron it created; a token binds to one run or one cron, once
//   get(token id)              the receiver: which run the token is for (undefined: unknown or expired)
//   markCallbackSeen           the receiver, once a callback is confirmed: the run has called back
//   revoke                     a cron deleted through the relay (findByCron finds its tokens), or a
//                              start that failed; a revoked entry stays readable until it expires
//   listStartedBefore          runs started before a time that have not called back
//   listReconcileDue           reconciliation (lib/reconcile): those runs, plus the ones it looked at
//                              before and deferred (deferReconcile) whose next look is due
//   settleReconcile            reconciliation recorded the run's end, or gave up on it: it leaves both lists
//
// Entries live until their `expires_at` (the token's own expiry) and no longer. Memory implementation
// for one process: lib/stores/memory-run-ledger.ts; Redis (same REDIS_URL and namespace as the
// deliveries): lib/stores/redis-run-ledger.ts. Both pass test/integration/run-ledger.test.ts.

export type LedgerKind = "run" | "cron";

export interface LedgerEntry {
  /** The minted token's id (`jti`): the key. Never the token itself. */
  token_id: string;
  /** `run`: the token is for one run. `cron`: for the runs of one cron. */
  kind: LedgerKind;
  assistant_id: string;
  /** The run's thread: known at put for a thread run, at bindRun for a stateless one. */
  thread_id?: string;
  /** Set by bindRun (or by markCallbackSeen when the callback came before LangGraph's answer). */
  run_id?: string;
  /** Set by bindCron. */
  cron_id?: string;
  /** ISO time the entry was made, before LangGraph was called. */
  created_at: string;
  /** ISO time the token stops being valid; the entry is gone after it. */
  expires_at: string;
  /** Set when the token was revoked: it then vouches for nothing. */
  revoked?: true;
  revoked_at?: string;
  /** When a callback was first seen for the run (for a cron: the latest of its runs). */
  callback_seen_at?: string;
  /** When the relay saw the run end (its `wait` or `stream` answered), for runs whose thread it cannot learn. */
  ended_at?: string;
  /** How many times reconciliation asked LangGraph about the run and was told to look again later. */
  reconcile_attempts?: number;
  /** When reconciliation looks at the run again (set by deferReconcile). */
  reconcile_next_at?: string;
  /**
   * What reconciliation concluded: `reconciled` — it recorded the run's end as a delivery (or found
   * it recorded); `unknown` — LangGraph could no longer say (thread gone) or the run outlived every
   * look; `no_run` — the start never heard LangGraph's answer, and no run on its thread holds its
   * token: nothing was started. Final: the entry is then in no list.
   */
  reconcile_outcome?: ReconcileOutcome;
  /** When reconcile_outcome was set. */
  reconciled_at?: string;
}

export type ReconcileOutcome = "reconciled" | "unknown" | "no_run";

/** What `put` is given: the entry as it is before anything happened to it. */
export type NewLedgerEntry = Omit<
  LedgerEntry,
  "revoked" | "revoked_at" | "callback_seen_at" | "ended_at" | "reconcile_attempts" | "reconcile_next_at" | "reconcile_outcome" | "reconciled_at"
>;

export interface RunLedger {
  readonly kind: "memory" | "redis";
  /**
   * Records a new entry; false when its token id is already in use (the entry there is kept).
   * Throws a RangeError for an entry that has expired already or a token id that cannot be one.
   */
  put(entry: NewLedgerEntry): Promise<boolean>;
  /**
   * Binds a run entry to the run LangGraph created (and to its thread, when given and the entry has
   * none). False when the entry is unknown, expired, revoked, not a run entry, or bound to another
   * run or thread already. Binding again to the same run is true.
   */
  bindRun(tokenId: string, runId: string, threadId?: string): Promise<boolean>;
  /** Binds a cron entry to its cron, and indexes it for findByCron. False like bindRun. */
  bindCron(tokenId: string, cronId: string): Promise<boolean>;
  get(tokenId: string): Promise<LedgerEntry | undefined>;
  /** Revokes a token (a deleted cron, a start that failed). False when the entry is unknown or expired. */
  revoke(tokenId: string): Promise<boolean>;
  /** The entries bound to a cron (normally one), to revoke them when it is deleted. */
  findByCron(cronId: string): Promise<LedgerEntry[]>;
  /**
   * Run entries created before `time` (ms) that have seen no callback and are not revoked, bound to a
   * run or not (a start whose answer was lost is one), oldest first, at most `limit`. Entries that
   * reconciliation deferred or settled are not among them.
   */
  listStartedBefore(time: number, limit: number): Promise<LedgerEntry[]>;
  /**
   * What reconciliation looks at now: run entries created before `startedBefore` (ms) that it never
   * deferred, and deferred ones whose next look is at or before `now` (ms) — without a callback, not
   * revoked, not settled; at most `limit`, the never-seen oldest first. In Redis one command when
   * there is nothing to look at. With `leaseMs`, the entries listed are taken, in the same step:
   * no other listing returns them before `now + leaseMs` (two sweeps at once look at different runs;
   * a sweep that dies leaves its runs to a later one).
   */
  listReconcileDue(startedBefore: number, now: number, limit: number, leaseMs?: number): Promise<LedgerEntry[]>;
  /**
   * Reconciliation looked and the run is still going: look again at `nextCheckAt` (ms), `attempts`
   * looks so far. False when the entry is unknown, expired, revoked, called back or settled.
   */
  deferReconcile(tokenId: string, attempts: number, nextCheckAt: number): Promise<boolean>;
  /**
   * Reconciliation is done with the run (see `reconcile_outcome`): it leaves every list. `reconciled`
   * also counts as the run's callback (callback_seen_at), so that a ledger-only confirmation of a
   * later callback under another status is refused. False like deferReconcile.
   */
  settleReconcile(tokenId: string, outcome: ReconcileOutcome): Promise<boolean>;
  /**
   * Records that a callback for `runId` was seen (after the receiver has confirmed it): a run entry
   * leaves listStartedBefore, and one not yet bound is bound to `runId`. False when the entry is
   * unknown, expired, revoked, or bound to another run.
   */
  markCallbackSeen(tokenId: string, runId: string): Promise<boolean>;
  /**
   * Like markCallbackSeen, but only the first time: false when a callback was seen already. The
   * check and the mark are one step, so of two callbacks confirmed at once only one gets true.
   */
  claimCallback(tokenId: string, runId: string): Promise<boolean>;
  /** Records that the relay saw the run end (a `wait` or `stream` it relayed finished). */
  markEnded(tokenId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Token ids are random and short; anything else is refused before it becomes a key. */
const TOKEN_ID = /^[A-Za-z0-9_-]{8,128}$/;

export function isTokenId(value: string): boolean {
  return TOKEN_ID.test(value);
}

/** Validates an entry for `put`; returns its expiry in ms. */
export function checkNewEntry(entry: NewLedgerEntry, now: number): number {
  if (!isTokenId(entry.token_id)) throw new RangeError("run ledger: token_id must be 8-128 characters of [A-Za-z0-9_-]");
  const expiresAt = Date.parse(entry.expires_at);
  if (!Number.isFinite(expiresAt) || !Number.isFinite(Date.parse(entry.created_at))) {
    throw new RangeError("run ledger: created_at and expires_at must be ISO times");
  }
  if (expiresAt <= now) throw new RangeError("run ledger: the entry has expired already");
  return expiresAt;
}

/** A copy holding only the fields of an entry (no `undefined` values). */
export function entryOf(fields: Partial<Record<keyof LedgerEntry, unknown>>): LedgerEntry {
  const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
  const entry: LedgerEntry = {
    token_id: text(fields.token_id) ?? "",
    kind: fields.kind === "cron" ? "cron" : "run",
    assistant_id: text(fields.assistant_id) ?? "",
    created_at: text(fields.created_at) ?? "",
    expires_at: text(fields.expires_at) ?? "",
  };
  for (const key of ["thread_id", "run_id", "cron_id", "revoked_at", "callback_seen_at", "ended_at", "reconcile_next_at", "reconciled_at"] as const) {
    const value = text(fields[key]);
    if (value !== undefined) entry[key] = value;
  }
  if (fields.revoked === true || fields.revoked === "1") entry.revoked = true;
  const attempts = Number(fields.reconcile_attempts);
  if (fields.reconcile_attempts !== undefined && Number.isInteger(attempts) && attempts > 0) entry.reconcile_attempts = attempts;
  if (fields.reconcile_outcome === "reconciled" || fields.reconcile_outcome === "unknown" || fields.reconcile_outcome === "no_run") {
    entry.reconcile_outcome = fields.reconcile_outcome;
  }
  return entry;
}
