// Is this callback LangGraph's own? Run webhooks are unsigned: the token in the URL is all that vouches
// for a callback, and that URL sits in LangGraph's run records, request logs and proxies. So a valid
// token is necessary, never sufficient. A callback is confirmed only by a record the sender cannot
// write:
//
//   1. the run ledger — the relay wrote down, when it started the run, which run (or cron) each minted
//      token is for: a token minted for one run vouches for that run only;
//   2. LangGraph's own record of the run (through the SDK) — the run exists, has ended with the status
//      the callback claims, and was given this very webhook.
//
// Where LangGraph still holds the run (threaded runs, and crons on a thread) both are checked. A
// stateless run's thread is deleted before its webhook is sent, so only the ledger can vouch for it:
// its run id is checked, its status cannot be. Static tokens (hand-made URLs) have no ledger entry and
// rely on LangGraph alone; what nothing can confirm is `unverified` and routed nowhere unless a route
// opts in. Pure: the ledger, LangGraph and the clock are passed in.
import type { RunRecord } from "../langgraph/run-record.js";
import { RUN_STATUSES } from "../model/run-fields.js";
import { sha256 } from "../shared/digest.js";
import { timingSafeEqual } from "node:crypto";

/** What the callback claims about itself (from its validated body). */
export interface CallbackClaim {
  run_id: string;
  thread_id: string;
  status: string;
  /** When the relay received it (ms, the relay's clock). */
  received_at?: number | undefined;
}

/**
 * How long before the relay sees a run's wait or stream end its callback may arrive: LangGraph sends
 * the webhook as the run ends, and the relay's own answer follows ~500 ms later. A callback received
 * earlier than this came before the run ended, and is not LangGraph's.
 */
const CALLBACK_BEFORE_END_MS = 1_500;

/** The token the callback presented, once its signature, expiry and environment were checked. */
export type PresentedCredential =
  /** `threadBound`: the token names the thread of a thread run or cron (stateless ones name none). */
  | { type: "minted"; tokenId: string; kind: "run" | "cron"; token?: string | undefined; threadBound?: boolean }
  /**
   * `token`: the static token as presented (in the URL or a Bearer header). A delivery confirmed again
   * later (the sweep: no token is ever stored) gives `anyOf` instead: the configured static tokens.
   */
  | { type: "static"; token?: string | undefined; anyOf?: readonly string[] | undefined };

/** The ledger's entry for a minted token, as far as confirmation needs it. */
export interface LedgerView {
  kind: "run" | "cron";
  run_id?: string | undefined;
  /** The thread the token was minted for (a thread run or a thread cron). */
  thread_id?: string | undefined;
  revoked?: boolean | undefined;
  /** Set once a callback of the run was confirmed and routed. */
  callback_seen_at?: string | undefined;
  /** Set when the relay saw the run end (its `wait` or `stream` answered). */
  ended_at?: string | undefined;
}

/** LangGraph's record of a run: `missing` when LangGraph has no such run (or no longer has its thread). */
export type UpstreamRun = RunRecord;

export interface ConfirmDependencies {
  /** The ledger entry of a minted token, or undefined (never written, expired, or an older relay's token). */
  ledgerEntry(tokenId: string): Promise<LedgerView | undefined>;
  /** Undefined when no LangGraph deployment is configured (a receive-only relay). */
  getRun: ((threadId: string, runId: string) => Promise<UpstreamRun>) | undefined;
  now(): number;
  sleep(ms: number): Promise<void>;
  /**
   * Marks the run's callback seen unless it was already, in one step (lib/stores/run-ledger.ts
   * claimCallback): of two callbacks the ledger alone vouches for, only the first is confirmed.
   */
  claimCallback(tokenId: string, runId: string): Promise<boolean>;
  /** True when a webhook URL is this relay's own /api/webhook (a static token vouches for no one else's runs). */
  isOwnWebhook(url: string): boolean;
  /**
   * The id of a minted token, once its signature is verified (undefined when it is not one of ours).
   * Confirms a minted credential given without its token (the sweep): LangGraph's run must hold a
   * valid token with the same id.
   */
  verifiedTokenId?(token: string): string | undefined;
}

export interface ConfirmOptions {
  /**
   * How long to wait for the ledger to learn a run's id. LangGraph can call back before the SDK call
   * that started the run has answered (measured: the answer comes ~500 ms after the callback).
   * @default 3000
   */
  bindingWaitMs?: number;
  /** Pause between two reads of the ledger while waiting. @default 100 */
  pollMs?: number;
  /**
   * How long to wait for the relay to see a run end whose thread it never learned (a stateless
   * `wait` or `stream`: LangGraph names no thread for them). Its answer comes ~500 ms after the callback.
   * @default 5000
   */
  endWaitMs?: number;
}

export type Verification =
  | { state: "confirmed"; by: "ledger" | "langgraph" | "receive-only" }
  | { state: "rejected"; reason: string }
  | { state: "unverified"; reason: string };

const RUN_STATES_STILL_GOING = new Set(["pending", "running"]);

/** Constant-time equality of two strings of any length. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** The `token` query parameter of the webhook URL LangGraph holds for a run. */
function tokenOfWebhook(webhook: string | undefined): string | undefined {
  if (webhook === undefined || !URL.canParse(webhook, "http://relative.invalid")) return undefined;
  return new URL(webhook, "http://relative.invalid").searchParams.get("token") ?? undefined;
}

async function waitForBinding(
  tokenId: string,
  first: LedgerView,
  deps: ConfirmDependencies,
  options: ConfirmOptions,
): Promise<LedgerView> {
  const deadline = deps.now() + (options.bindingWaitMs ?? 3000);
  let entry: LedgerView | undefined = first;
  while (entry !== undefined && entry.kind === "run" && entry.run_id === undefined && deps.now() < deadline) {
    await deps.sleep(options.pollMs ?? 100);
    entry = (await deps.ledgerEntry(tokenId)) ?? entry;
  }
  return entry ?? first;
}

export async function confirmCallback(
  claim: CallbackClaim,
  credential: PresentedCredential,
  deps: ConfirmDependencies,
  options: ConfirmOptions = {},
): Promise<Verification> {
  let entry: LedgerView | undefined;
  if (credential.type === "minted") {
    entry = await deps.ledgerEntry(credential.tokenId);
    if (entry?.revoked === true) return { state: "rejected", reason: "the token was revoked (its cron was deleted)" };
    if (entry !== undefined && entry.kind !== credential.kind) {
      return { state: "rejected", reason: "the token's kind does not match the relay's record" };
    }
    if (entry?.kind === "run") {
      entry = await waitForBinding(credential.tokenId, entry, deps, options);
      if (entry.run_id !== undefined && entry.run_id !== claim.run_id) {
        return { state: "rejected", reason: "the token was minted for another run" };
      }
    }
    // The ledger knows the run's thread (a stateless run's temporary one too): a callback naming
    // another is not this token's, and LangGraph is asked about the thread the relay knows.
    if (entry?.thread_id !== undefined && entry.thread_id !== claim.thread_id) {
      return { state: "rejected", reason: "the token was minted for another thread" };
    }
  }
  const boundToThisRun = entry?.kind === "run" && entry.run_id === claim.run_id;
  // Without LangGraph's record, the status is the sender's word: only a status LangGraph sends is taken.
  const knownStatus = (RUN_STATUSES as readonly string[]).includes(claim.status);

  /**
   * The ledger alone vouching for a run of this token: a status LangGraph sends, a thread the relay
   * knows (or a run it saw end), and once per run, claimed atomically.
   */
  const byLedgerAlone = async (): Promise<Verification> => {
    if (!knownStatus) return { state: "rejected", reason: `${claim.status} is not a status LangGraph sends, and cannot be checked` };
    if (credential.type !== "minted" || entry === undefined) return { state: "unverified", reason: "the ledger does not know this run" };
    if (entry.thread_id === undefined) {
      // The relay never learned the run's thread, so the one the callback names proves nothing: only
      // a run the relay saw end may call back on the ledger's word.
      const deadline = deps.now() + (options.endWaitMs ?? 5000);
      while (entry.ended_at === undefined && deps.now() < deadline) {
        await deps.sleep(options.pollMs ?? 100);
        entry = (await deps.ledgerEntry(credential.tokenId)) ?? entry;
      }
      if (entry.ended_at === undefined) {
        return { state: "unverified", reason: "the relay knows neither the run's thread nor that the run has ended" };
      }
      if (claim.received_at !== undefined && claim.received_at < Date.parse(entry.ended_at) - CALLBACK_BEFORE_END_MS) {
        return { state: "rejected", reason: "the callback came before the run ended" };
      }
    }
    if (!(await deps.claimCallback(credential.tokenId, claim.run_id))) {
      return { state: "rejected", reason: "the run has called back already, and its status cannot be checked a second time" };
    }
    return { state: "confirmed", by: "ledger" };
  };

  if (deps.getRun === undefined) {
    if (boundToThisRun) return byLedgerAlone();
    if (credential.type === "static") return { state: "confirmed", by: "receive-only" };
    return { state: "unverified", reason: "LANGGRAPH_API_URL is not set, and the ledger does not know this run" };
  }

  let upstream: UpstreamRun;
  try {
    upstream = await deps.getRun(claim.thread_id, claim.run_id);
  } catch (error) {
    // LangGraph out of reach: the ledger vouches for the run once, as for a stateless run.
    if (boundToThisRun && knownStatus && entry?.callback_seen_at === undefined) {
      const verdict = await byLedgerAlone();
      if (verdict.state === "confirmed") return verdict;
    }
    const message = error instanceof Error ? error.message : String(error);
    return { state: "unverified", reason: `LangGraph could not be asked about the run: ${message}` };
  }

  if (upstream === "missing") {
    // A stateless run's thread is gone by the time its webhook is sent: the ledger is all there is.
    // It vouches for the run, not for its status — so for one callback only: LangGraph sends one
    // per run, and a second under another status is someone else's.
    if (boundToThisRun) {
      if (credential.type === "minted" && credential.threadBound === true) {
        // A thread run's thread outlives the run: LangGraph no longer holding it means it was deleted
        // since, and nothing can check what this callback claims.
        return { state: "rejected", reason: "LangGraph no longer holds the run's thread" };
      }
      return byLedgerAlone();
    }
    if (credential.type === "minted" && entry?.kind === "cron") {
      // A thread cron's runs live on its thread, which LangGraph keeps: a run it does not know is made up.
      if (entry.thread_id !== undefined) return { state: "rejected", reason: "LangGraph has no such run of this cron" };
      if (!knownStatus) return { state: "rejected", reason: `${claim.status} is not a status LangGraph sends, and cannot be checked` };
      return { state: "confirmed", by: "ledger" };
    }
    if (credential.type === "static") {
      return { state: "unverified", reason: "LangGraph no longer holds this run (a stateless run deletes its thread)" };
    }
    return { state: "rejected", reason: "LangGraph has no such run" };
  }
  if (RUN_STATES_STILL_GOING.has(upstream.status)) {
    return { state: "rejected", reason: `the run has not ended (LangGraph says ${upstream.status})` };
  }
  if (upstream.status !== claim.status) {
    return { state: "rejected", reason: `LangGraph says the run ended with ${upstream.status}, not ${claim.status}` };
  }
  if (upstream.webhook === undefined) return { state: "rejected", reason: "LangGraph's run has no webhook" };
  const held = tokenOfWebhook(upstream.webhook);
  if (credential.type === "minted") {
    const same =
      held !== undefined &&
      (credential.token !== undefined ? sameSecret(held, credential.token) : deps.verifiedTokenId?.(held) === credential.tokenId);
    if (!same) {
      return { state: "rejected", reason: "LangGraph's run was given another webhook token" };
    }
  } else if (credential.anyOf !== undefined && credential.token === undefined) {
    // Confirmed again without the token that authenticated: any configured static token vouches.
    if (held !== undefined && !credential.anyOf.some((token) => sameSecret(held, token))) {
      return { state: "rejected", reason: "LangGraph's run was given another webhook token" };
    }
    if (held === undefined && !deps.isOwnWebhook(upstream.webhook)) {
      return { state: "rejected", reason: "LangGraph's run calls another webhook than this relay's" };
    }
  } else if (held !== undefined && (credential.token === undefined || !sameSecret(held, credential.token))) {
    // A static token vouches for runs whose webhook carries it (or, with LangGraph's webhooks.headers, no token at all).
    return { state: "rejected", reason: "LangGraph's run was given another webhook token" };
  } else if (held === undefined && !deps.isOwnWebhook(upstream.webhook)) {
    return { state: "rejected", reason: "LangGraph's run calls another webhook than this relay's" };
  }
  return { state: "confirmed", by: "langgraph" };
}
