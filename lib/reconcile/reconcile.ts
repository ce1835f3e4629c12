// Reconciliation of lost callbacks: the sweep's step for runs started through /api/trigger whose
// callback never came (LangGraph's JS server never retries a webhook; a cold deploy, a protected
// preview or a dropped connection loses one for good). Once RECONCILE_AFTER has passed with no
// callback, LangGraph is asked about the run (the SDK, through the runtime's readRun):
//
//   still pending or running      look again later, backing off (RECONCILE_AFTER doubled each time, at
//                                 most MAX_RECHECK_MS), until the run's token would have expired —
//                                 then give up: outcome `unknown`, logged at error with the run's id
//   ended                         record the delivery its callback would have made (record.ts),
//                                 `source: "reconciled"`, same id, confirmed by LangGraph's own
//                                 record; take the routing gate; route it like a callback (the
//                                 router's plan and dispatch: the pause check included)
//   gone (thread deleted)         a stateless run deletes its thread as it ends, and its run with it:
//                                 LangGraph can no longer say how it ended. Outcome `unknown`, logged
//                                 at error with the run's id — never silently dropped
//   LangGraph out of reach        counted as a look: look again later
//   run id never learned          the start never heard LangGraph's answer (aborted, or its function
//                                 died): the run is looked for among its thread's runs by the token
//                                 in its webhook; none holds it → nothing was started (`no_run`)
//
// The real callback arriving after all is a duplicate: the receiver finds the reconciled record
// under its id (lib/handlers/webhook.ts), and the routing gate lets one delivery per run and status
// route. Bounded per sweep in entries, concurrency and time; one failing look never stops the rest.
import { deliveryIdFor, alternateDeliveryIdFor, type DeliveryRecord } from "../model/delivery.js";
import type { DeliveryRouter } from "../routing/delivery-router.js";
import type { Runtime } from "../runtime/runtime.js";
import type { LedgerEntry } from "../stores/run-ledger.js";
import { looksMinted, mintedTokenId } from "../security/webhook-tokens.js";
import { asRecord } from "../shared/json.js";
import { describeError } from "../shared/log.js";
import { withTimeout } from "../shared/timeout.js";
import { reconciledRecord } from "./record.js";

/** The id of the minted token in a run's webhook, as LangGraph holds it; undefined for anything else. */
function tokenIdOfRun(run: Record<string, unknown>): string | undefined {
  const webhook = asRecord(run["kwargs"])?.["webhook"];
  if (typeof webhook !== "string" || !URL.canParse(webhook)) return undefined;
  const token = new URL(webhook).searchParams.get("token");
  if (token === null || !looksMinted(token)) return undefined;
  try {
    return mintedTokenId(token);
  } catch {
    return undefined;
  }
}

/** What one sweep's reconciliation did; the sweep's answer carries these counts. */
export interface ReconcileCounts {
  /** Runs whose end was recorded as a reconciled delivery (and routed). */
  reconciled: number;
  /** Runs still going, or LangGraph out of reach: looked at again later. */
  deferred: number;
  /**
   * Runs whose end LangGraph can no longer say (thread gone), or that outlived every look; and
   * starts that turned out to have started nothing.
   */
  unknown: number;
}

export interface ReconcileOptions {
  /** When the step must stop starting new looks and routing (runtime clock, ms). @default now + 20 s */
  deadline?: number;
  /** Entries looked at in one sweep. @default 50 */
  limit?: number;
  /** Entries looked at once. @default 4 */
  concurrency?: number;
}

/** The longest wait between two looks at a run still going. */
export const MAX_RECHECK_MS = 6 * 3_600_000;
/** One look at LangGraph (the run, then its checkpoint) is bounded on top of the SDK's own timeout. */
const LOOK_TIMEOUT_MS = 10_000;
/** No new look starts with less time than this left before the deadline: its routing needs time too. */
const LOOK_MARGIN_MS = 5_000;
const DEFAULT_BUDGET_MS = 20_000;
/** A run a sweep took is left to the next sweep this long after the taking one's deadline. */
const LOOK_LEASE_MARGIN_MS = 60_000;
const STILL_GOING = new Set(["pending", "running", ""]);

type Outcome = keyof ReconcileCounts | "skipped";

export function emptyCounts(): ReconcileCounts {
  return { reconciled: 0, deferred: 0, unknown: 0 };
}

/** The wait before look number `attempts + 1`: RECONCILE_AFTER, doubled after each look, capped. */
export function recheckDelay(reconcileAfterMs: number, attempts: number): number {
  return Math.min(reconcileAfterMs * 2 ** Math.min(attempts, 30), MAX_RECHECK_MS);
}

/**
 * Looks at the runs whose callback is overdue, records and routes those that ended. Does nothing
 * (and asks the store nothing) when RECONCILE_AFTER is off. Never throws for one run; throws only
 * when the ledger cannot be listed.
 */
export async function reconcileLostCallbacks(
  runtime: Runtime,
  router: DeliveryRouter,
  options: ReconcileOptions = {},
): Promise<ReconcileCounts> {
  const counts = emptyCounts();
  const after = runtime.config.reconcileAfterMs;
  if (after === undefined || runtime.config.langgraphApiUrl === undefined) return counts;
  const now = runtime.now();
  const deadline = options.deadline ?? now + DEFAULT_BUDGET_MS;
  // Taken for the sweep's life and a margin: a sweep at the same time looks at other runs.
  const due = await runtime.ledger.listReconcileDue(now - after, now, options.limit ?? 50, Math.max(deadline - now, 0) + LOOK_LEASE_MARGIN_MS);
  let next = 0;
  const worker = async () => {
    while (next < due.length && deadline - runtime.now() > LOOK_MARGIN_MS) {
      const entry = due[next++] as LedgerEntry;
      const outcome = await reconcileEntry(entry, runtime, router, { after, deadline }).catch((error: unknown) => {
        runtime.log.error("reconciliation failed for one run", { token_id: entry.token_id, run_id: entry.run_id, error: describeError(error) });
        return "skipped" as const;
      });
      if (outcome !== "skipped") counts[outcome] += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return counts;
}

interface EntryContext {
  after: number;
  deadline: number;
}

/** One overdue run: look, then defer, give up, or record and route. */
export async function reconcileEntry(entry: LedgerEntry, runtime: Runtime, router: DeliveryRouter, context: EntryContext): Promise<Outcome> {
  const { ledger, log } = runtime;
  const fields = { token_id: entry.token_id, run_id: entry.run_id, thread_id: entry.thread_id, assistant_id: entry.assistant_id };
  if (entry.thread_id === undefined) {
    // A stateless start that never heard LangGraph's answer: no run and no thread to ask about.
    return lookAgainOrGiveUp(entry, runtime, context, "the relay never learned which run LangGraph started");
  }
  if (entry.run_id === undefined) {
    // The start never heard LangGraph's answer (it was aborted, or its function died): the run, if
    // LangGraph created it, is on the thread, holding this entry's token in its webhook.
    let runs;
    try {
      runs = await withTimeout(runtime.readThreadRuns(entry.thread_id), LOOK_TIMEOUT_MS, "LangGraph did not answer");
    } catch (error) {
      return lookAgainOrGiveUp(entry, runtime, context, `LangGraph could not be asked: ${describeError(error)}`);
    }
    if (runs === "missing") {
      await ledger.settleReconcile(entry.token_id, "unknown");
      log.error("a run start never heard LangGraph's answer and its thread is gone: whether a run ended there is unknown", fields);
      return "unknown";
    }
    const run = runs.find((candidate) => tokenIdOfRun(candidate) === entry.token_id);
    if (run === undefined) {
      await ledger.settleReconcile(entry.token_id, "no_run");
      log.warn("a run start never heard LangGraph's answer, and no run on its thread holds its token: nothing was started", fields);
      return "unknown";
    }
    const runId = String(run["run_id"]);
    await ledger.bindRun(entry.token_id, runId, entry.thread_id);
    return reconcileEntry({ ...entry, run_id: runId }, runtime, router, context);
  }
  let upstream;
  try {
    upstream = await withTimeout(runtime.readRun(entry.thread_id, entry.run_id), LOOK_TIMEOUT_MS, "LangGraph did not answer");
  } catch (error) {
    log.warn("reconciliation could not ask LangGraph about a run; looking again later", { ...fields, error: describeError(error) });
    return lookAgainOrGiveUp(entry, runtime, context, `LangGraph could not be asked: ${describeError(error)}`);
  }
  if (upstream === "missing") {
    await ledger.settleReconcile(entry.token_id, "unknown");
    log.error("a run's callback never came and LangGraph no longer holds the run (a stateless run deletes its thread): its end is unknown", fields);
    return "unknown";
  }
  if (STILL_GOING.has(upstream.status)) return lookAgainOrGiveUp(entry, runtime, context, `the run is still ${upstream.status || "without a status"}`);

  let checkpoint: unknown;
  try {
    checkpoint = await withTimeout(runtime.readThreadState(entry.thread_id, entry.run_id), LOOK_TIMEOUT_MS, "LangGraph did not answer");
  } catch (error) {
    // The run's end is known; its values are not. Recorded without them rather than not at all.
    log.warn("reconciliation could not read the run's values", { ...fields, error: describeError(error) });
  }
  const record = reconciledRecord(
    { run: upstream.run ?? { run_id: entry.run_id, thread_id: entry.thread_id, assistant_id: entry.assistant_id }, status: upstream.status, checkpoint },
    { now: runtime.now(), tokenId: entry.token_id, redactKeys: runtime.config.redactKeys },
  );
  if ("invalid" in record) {
    await ledger.settleReconcile(entry.token_id, "unknown");
    log.error("a run's callback never came and LangGraph's record of it cannot be recorded: its end is unknown", { ...fields, reason: record.invalid });
    return "unknown";
  }
  return recordAndRoute(record, entry, runtime, router, context);
}

async function lookAgainOrGiveUp(entry: LedgerEntry, runtime: Runtime, context: EntryContext, reason: string): Promise<Outcome> {
  const attempts = (entry.reconcile_attempts ?? 0) + 1;
  const nextCheck = runtime.now() + recheckDelay(context.after, attempts);
  // Past the token's expiry the callback could not be accepted anyway, and the entry is gone.
  if (nextCheck >= Date.parse(entry.expires_at)) {
    await runtime.ledger.settleReconcile(entry.token_id, "unknown");
    runtime.log.error("a run's callback never came and reconciliation gave up on it: its end is unknown", {
      token_id: entry.token_id,
      run_id: entry.run_id,
      thread_id: entry.thread_id,
      looks: attempts,
      reason,
    });
    return "unknown";
  }
  await runtime.ledger.deferReconcile(entry.token_id, attempts, nextCheck);
  return "deferred";
}

/** Records the delivery once, takes the routing gate, and routes it the way the receiver does. */
async function recordAndRoute(
  record: DeliveryRecord,
  entry: LedgerEntry,
  runtime: Runtime,
  router: DeliveryRouter,
  context: EntryContext,
): Promise<Outcome> {
  const { store, ledger, log } = runtime;
  // The claim holds the routing (a lease on its item in the due-time index): should this sweep die
  // before the plan is committed, the item falls due and the durable sweep routes the delivery.
  let { duplicate, lease } = await store.claim(record);
  if (duplicate) {
    const first = await store.get(record.id);
    if (first?.source === "reconciled") {
      // Another sweep recorded it (and routes it, or the durable sweep will): done with this run.
      await ledger.settleReconcile(entry.token_id, "reconciled");
      return "skipped";
    }
    // A callback holds the id but was not confirmed (or is being confirmed now): recorded beside it;
    // the routing gate below lets one of them route.
    record.id = alternateDeliveryIdFor(record.run_id, record.status, "reconciled");
    ({ duplicate, lease } = await store.claim(record));
    if (duplicate) {
      await ledger.settleReconcile(entry.token_id, "reconciled");
      return "skipped";
    }
  }
  const gate = await store.claimRouting(deliveryIdFor(record.run_id, record.status), record.id);
  await ledger.settleReconcile(entry.token_id, "reconciled");
  if (!gate.won) {
    record.routing = "skipped";
    record.duplicate_of = gate.holder;
    await store.commitPlan(record, lease, runtime.now(), 0);
    log.info("reconciled run already routed", { delivery_id: record.id, run_id: record.run_id, duplicate_of: gate.holder });
    return "reconciled";
  }
  log.info("callback never came: recorded the run's end from LangGraph", {
    delivery_id: record.id,
    run_id: record.run_id,
    thread_id: record.thread_id,
    status: record.status,
    token_id: entry.token_id,
  });
  record.actions = router.plan(record, runtime);
  if (record.routing === "no_route") {
    await store.commitPlan(record, lease, runtime.now(), 0);
    log.info("no route matched", { delivery_id: record.id, event: record.event });
    return "reconciled";
  }
  await router.dispatch(record, runtime, { deadline: context.deadline, lease });
  return "reconciled";
}
