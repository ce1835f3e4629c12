// The run ledger in Redis (lib/stores/run-ledger.ts says what it is for), in the deployment's namespace
// beside the deliveries. Keys, under `<prefix>ledger:`:
//
//   t:<token id>     the entry, a hash (one field per entry field), expiring at the entry's expires_at
//   cron:<cron id>   the token ids bound to a cron (a set), expiring with the longest-lived of them
//   open             run entries without a callback yet: sorted set, score = created time (ms)
//   recheck          the entries reconciliation deferred or took (moved out of `open`): score = next
//                    look, or the end of the taking sweep's lease (ms)
//   expiry           the members of both, score = expiry (ms): each put and each listing of what is
//                    due drop up to 100 expired ones from all three, so that neither list grows with
//                    runs that never called back
//
// A callback seen, a revoke or reconciliation settling a run removes it from all three: a sweep with
// nothing to reconcile is one command (LIST_DUE_SCRIPT).
//
// Every change is one script (read, check, write), so concurrent binds and revokes cannot interleave.
// Times come from the injected clock; the TTL of an entry is its expires_at less that clock's now.
import { redisStoreUnavailable } from "../shared/errors.js";
import { evalScript, RedisConnection } from "./redis-connection.js";
import { PRODUCTION_PREFIX } from "./redis-namespace.js";
import type { LedgerEntry, NewLedgerEntry, ReconcileOutcome, RunLedger } from "./run-ledger.js";
import { checkNewEntry, entryOf } from "./run-ledger.js";
import {
  PUT_SCRIPT,
  BIND_RUN_SCRIPT,
  BIND_CRON_SCRIPT,
  REVOKE_SCRIPT,
  CALLBACK_SEEN_SCRIPT,
  LIST_DUE_SCRIPT,
  DEFER_SCRIPT,
  SETTLE_SCRIPT,
  MARK_ENDED_SCRIPT,
} from "./redis-run-ledger-scripts.js";

export interface RedisLedgerOptions {
  url: string;
  /** The deployment environment's namespace (lib/stores/redis-namespace.ts); `ledger:` follows it. @default "relay:" */
  prefix?: string;
  /** Upper bound on one operation, connecting included. @default 3000 */
  operationTimeoutMs?: number;
  now?: () => number;
  /** Reports connection errors (the client emits them while it reconnects). */
  onError?: (error: Error) => void;
}

export class RedisRunLedger implements RunLedger {
  readonly kind = "redis" as const;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #redis: RedisConnection;

  constructor(options: RedisLedgerOptions) {
    this.#prefix = `${options.prefix ?? PRODUCTION_PREFIX}ledger:`;
    this.#now = options.now ?? Date.now;
    this.#redis = new RedisConnection({
      url: options.url,
      operationTimeoutMs: options.operationTimeoutMs ?? 3000,
      onError: options.onError,
      toError: redisStoreUnavailable("run ledger (the runs started and their webhook tokens)", ""),
    });
  }

  #entryKey(tokenId: string): string {
    return `${this.#prefix}t:${tokenId}`;
  }

  #cronKey(cronId: string): string {
    return `${this.#prefix}cron:${cronId}`;
  }

  /** open, expiry, recheck: the lists an entry leaves when its run has called back (see the header). */
  get #openKeys(): [string, string, string] {
    return [`${this.#prefix}open`, `${this.#prefix}expiry`, `${this.#prefix}recheck`];
  }

  /** Runs a script given the clock's now as its last argument. */
  async #script(script: string, keys: string[], args: string[]): Promise<boolean> {
    const reply = await this.#redis.run((client) =>
      evalScript(client, script, { keys, arguments: [...args, String(this.#now())] }),
    );
    return Number(reply) === 1;
  }

  async put(entry: NewLedgerEntry): Promise<boolean> {
    const now = this.#now();
    const expiresAt = checkNewEntry(entry, now);
    const fields = Object.entries(entryOf(entry)).flatMap(([field, value]) => [field, String(value)]);
    fields.push("expires_ms", String(expiresAt));
    return this.#script(PUT_SCRIPT, [this.#entryKey(entry.token_id), ...this.#openKeys], [
      String(expiresAt - now),
      String(Date.parse(entry.created_at)),
      String(expiresAt),
      entry.token_id,
      String(now),
      entry.kind === "run" ? "1" : "0",
      ...fields,
    ]);
  }

  async bindRun(tokenId: string, runId: string, threadId?: string): Promise<boolean> {
    return this.#script(BIND_RUN_SCRIPT, [this.#entryKey(tokenId)], [runId, threadId ?? ""]);
  }

  async bindCron(tokenId: string, cronId: string): Promise<boolean> {
    return this.#script(BIND_CRON_SCRIPT, [this.#entryKey(tokenId), this.#cronKey(cronId)], [cronId, tokenId]);
  }

  async get(tokenId: string): Promise<LedgerEntry | undefined> {
    const [entry] = await this.#read([tokenId]);
    return entry;
  }

  async revoke(tokenId: string): Promise<boolean> {
    return this.#script(REVOKE_SCRIPT, [this.#entryKey(tokenId), ...this.#openKeys], [new Date(this.#now()).toISOString(), tokenId]);
  }

  async findByCron(cronId: string): Promise<LedgerEntry[]> {
    const tokenIds = await this.#redis.run((client) => client.sMembers(this.#cronKey(cronId)));
    return (await this.#read(tokenIds)).filter((entry): entry is LedgerEntry => entry?.cron_id === cronId);
  }

  async listStartedBefore(time: number, limit: number): Promise<LedgerEntry[]> {
    if (limit <= 0) return [];
    const tokenIds = await this.#redis.run((client) =>
      client.zRange(this.#openKeys[0], "-inf", `(${time}`, { BY: "SCORE", LIMIT: { offset: 0, count: limit } }),
    );
    const entries = await this.#read(tokenIds);
    return entries.filter(
      (entry): entry is LedgerEntry => entry !== undefined && entry.revoked !== true && entry.callback_seen_at === undefined,
    );
  }

  async listReconcileDue(startedBefore: number, now: number, limit: number, leaseMs?: number): Promise<LedgerEntry[]> {
    if (limit <= 0) return [];
    const leaseEnd = leaseMs === undefined ? "" : String(now + leaseMs);
    const reply = await this.#redis.run((client) =>
      client.eval(LIST_DUE_SCRIPT, {
        keys: this.#openKeys,
        arguments: [String(startedBefore), String(now), String(limit), leaseEnd, String(this.#now())],
      }),
    );
    const tokenIds = Array.isArray(reply) ? reply.map(String) : [];
    return (await this.#read(tokenIds)).filter(
      (entry): entry is LedgerEntry =>
        entry !== undefined && entry.revoked !== true && entry.callback_seen_at === undefined && entry.reconcile_outcome === undefined,
    );
  }

  async deferReconcile(tokenId: string, attempts: number, nextCheckAt: number): Promise<boolean> {
    return this.#script(DEFER_SCRIPT, [this.#entryKey(tokenId), ...this.#openKeys], [
      String(attempts),
      new Date(nextCheckAt).toISOString(),
      String(nextCheckAt),
      tokenId,
    ]);
  }

  async settleReconcile(tokenId: string, outcome: ReconcileOutcome): Promise<boolean> {
    return this.#script(SETTLE_SCRIPT, [this.#entryKey(tokenId), ...this.#openKeys], [outcome, new Date(this.#now()).toISOString(), tokenId]);
  }

  async markCallbackSeen(tokenId: string, runId: string): Promise<boolean> {
    return this.#script(CALLBACK_SEEN_SCRIPT, [this.#entryKey(tokenId), ...this.#openKeys], [
      runId,
      new Date(this.#now()).toISOString(),
      tokenId,
    ]);
  }

  async claimCallback(tokenId: string, runId: string): Promise<boolean> {
    return this.#script(CALLBACK_SEEN_SCRIPT, [this.#entryKey(tokenId), ...this.#openKeys], [
      runId,
      new Date(this.#now()).toISOString(),
      tokenId,
      "first",
    ]);
  }

  async markEnded(tokenId: string): Promise<boolean> {
    return this.#script(MARK_ENDED_SCRIPT, [this.#entryKey(tokenId)], [new Date(this.#now()).toISOString()]);
  }

  close(): Promise<void> {
    return this.#redis.close();
  }

  /** The entries of these token ids, in order; undefined for one unknown or expired by our clock. */
  async #read(tokenIds: string[]): Promise<(LedgerEntry | undefined)[]> {
    if (tokenIds.length === 0) return [];
    const replies = await this.#redis.run((client) => {
      const multi = client.multi();
      for (const tokenId of tokenIds) multi.hGetAll(this.#entryKey(tokenId));
      return multi.exec();
    });
    const now = this.#now();
    return (replies as unknown as Record<string, string>[]).map((fields) => {
      if (fields === null || typeof fields !== "object" || Object.keys(fields).length === 0) return undefined;
      const entry = entryOf(fields);
      return Date.parse(entry.expires_at) > now ? entry : undefined;
    });
  }
}
