// Answering a paused run: one decision per paused delivery, then the thread resumed. The steps, in
// the order that keeps "once" true across Slack clicks, resume links and the inspector at once:
//   1. the delivery must be a run.paused one (400 otherwise);
//   2. the decision is claimed in the decision store (SET NX): a second answer — another click,
//      another copy of the message, a used link — gets 409 `already_decided`, naming the first (not to
//      a link holder). Two claims give way: one abandoned by a function that died before resuming, and
//      one whose resumed run ended (failed) while the thread still waits on the same interrupt ids —
//      the failure is kept on that decision, and the next answer may take it over (compare and set);
//   1b. a free-form value is checked first where the pause says what fits (HITL middleware: 400);
//   3. LangGraph is asked whether the thread still waits on those interrupts: a thread that moved on
//      (resumed by someone else, or gone) resumes nothing (409, recorded on the decision);
//   4. the thread is resumed with `runs.create` on the same thread and assistant, `command: {resume}`
//      and this deployment's minted webhook (lib/trigger's start: a ledger entry and a token), under
//      multitask `reject`, so that a thread busy with another run is refused rather than queued.
// The start is keyed (`dedupe_key`, lib/trigger/start-once.ts: `resume:<delivery>:<n>`, n = the
// answers before whose runs failed): a create that timed out but happened is found, not doubled — by
// the start's own busy-thread answer, and by the next answer to a pause whose start failed (kept
// `open`), which looks for that run before anything else. The outcome is recorded on the decision:
// the new run's id, or why nothing was resumed.
import type { DecisionRecord, DeliveryRecord, PauseRecord } from "../model/delivery.js";
import { PAUSED_EVENT } from "../model/events.js";
import { redactTree, secretKeyTest } from "../model/redaction.js";
import { pauseOf } from "../langgraph/thread-state.js";
import type { Runtime } from "../runtime/runtime.js";
import { badRequest, notFound, RelayError } from "../shared/errors.js";
import { describeError } from "../shared/log.js";
import { scrub } from "../shared/scrub.js";
import { isDeliveryId } from "../model/delivery.js";
import { asRecord } from "../shared/json.js";
import { checkResume, decisionResume, type Decision, type DecisionValues } from "./resume-values.js";

/** What someone answered: a button (approve / reject), or a resume value of their own. */
export type Answer = { decision: Decision } | { resume: unknown };

export interface ResumeRequest {
  deliveryId: string;
  channel: DecisionRecord["channel"];
  /** Who answered, as the channel names them; never a credential. */
  by: string;
  /** A stable id of who answered (the Slack user id). */
  byId?: string | undefined;
  /** Which kind of credential answered (the inspector: `TRIGGER_TOKEN`); never the credential. */
  credential?: string | undefined;
  answer: Answer;
  /** The route's values for the buttons of this delivery (plain interrupts). */
  values?: ((delivery: DeliveryRecord) => DecisionValues | undefined) | undefined;
}

export interface Resumed {
  delivery_id: string;
  run_id: string;
  thread_id: string;
  decision: DecisionRecord;
}

/** 409 `already_decided`, carrying the decision that was made (for messages). */
export class AlreadyDecided extends RelayError {
  constructor(message: string, readonly decision: DecisionRecord | undefined) {
    super(409, "already_decided", message);
  }
}

/**
 * Why a later answer is refused, as the channel may be told: a resume link's holder is anyone the
 * link reached, so it learns only that the pause was answered; the other channels (a Slack workspace,
 * the authenticated inspector, the sweep) learn who answered, how, when — and whether it resumed anything.
 */
function describeDecision(decision: DecisionRecord | undefined, channel: DecisionRecord["channel"]): string {
  if (decision === undefined || channel === "link") return "It was already answered.";
  const what = decision.decision === "custom" ? "answered" : decision.decision === "approve" ? "approved" : "rejected";
  const made = `It was ${what}${decision.by === undefined ? "" : ` by ${decision.by}`} (${decision.channel}) at ${decision.at}`;
  if (decision.error !== undefined) return `${made}, but that resumed nothing: ${decision.error}`;
  return decision.run_id === undefined ? `${made} (resuming).` : `${made}.`;
}

/** True when the thread's current state still waits on the interrupts the paused delivery recorded. */
export function stillWaiting(pause: PauseRecord, current: unknown): boolean {
  const now = pauseOf(current);
  if (now === undefined) return false;
  const ids = pause.interrupts.map((interrupt) => interrupt.id);
  if (ids.length > 0 && ids.every((id) => id !== undefined)) {
    const pending = new Set(now.interrupts.map((interrupt) => interrupt.id));
    return ids.every((id) => pending.has(id));
  }
  // Interrupts without ids (older servers, static breakpoints): the same nodes must be next.
  return now.next.length === pause.next.length && now.next.every((node, index) => node === pause.next[index]);
}

/**
 * A claim with no outcome this long after it was made was abandoned (its function died between the
 * claim and the resume): the next answer may take it over. Safe even if that function did start the
 * run: the thread then no longer waits on the pause (or is busy), so the takeover resumes nothing.
 */
export const CLAIM_LEASE_MS = 2 * 60_000;

/** Largest resume value kept on a decision (its JSON); a bigger one is noted by its size only. */
export const KEPT_VALUE_MAX_BYTES = 16 * 1024;

/** The value as a decision keeps it: redacted like payloads (secret-looking keys), and bounded. */
function keptValue(resume: unknown, runtime: Runtime): unknown {
  const redacted = redactTree(resume, secretKeyTest(runtime.config.redactKeys));
  const bytes = Buffer.byteLength(JSON.stringify(redacted) ?? "null");
  return bytes <= KEPT_VALUE_MAX_BYTES ? redacted : { cut: `the value (${bytes} bytes of JSON) is over ${KEPT_VALUE_MAX_BYTES} bytes: not kept` };
}

/** How long a claim is kept: as long as the delivery record, and never shorter than a link lives. */
function claimSeconds(runtime: Runtime): number {
  return Math.max(runtime.config.retentionSeconds, Math.ceil(runtime.config.resumeLinkTtlMs / 1000));
}

/** Reads the paused delivery, 404 / 400 when there is none or it is not paused. */
export async function pausedDelivery(deliveryId: string, runtime: Runtime): Promise<DeliveryRecord & { pause: PauseRecord }> {
  const delivery = isDeliveryId(deliveryId) ? await runtime.store.get(deliveryId) : undefined;
  if (delivery === undefined) throw notFound("No such delivery (unknown, or expired).");
  if (delivery.event !== PAUSED_EVENT || delivery.pause === undefined) {
    throw badRequest("invalid_request", `Delivery ${delivery.id} is not a paused run (its event is ${delivery.event}): there is nothing to resume.`);
  }
  return delivery as DeliveryRecord & { pause: PauseRecord };
}

/** Answers a paused delivery once and resumes its thread. Throws RelayError (409 `already_decided` among them). */
export async function resumePause(request: ResumeRequest, runtime: Runtime): Promise<Resumed> {
  const delivery = await pausedDelivery(request.deliveryId, runtime);
  const { answer } = request;
  const resume = "decision" in answer ? decisionResume(delivery.pause, answer.decision, request.by, request.values?.(delivery)) : answer.resume;
  // A value the pause cannot take would only make the resumed run fail: refused before the claim.
  if (!("decision" in answer)) checkResume(delivery.pause, resume);
  let record: DecisionRecord = {
    channel: request.channel,
    decision: "decision" in answer ? answer.decision : "custom",
    by: request.by,
    ...(request.byId === undefined ? {} : { by_id: request.byId }),
    ...(request.credential === undefined ? {} : { credential: request.credential }),
    at: new Date(runtime.now()).toISOString(),
    value: keptValue(resume, runtime),
  };
  if (!(await runtime.decisions.claim(delivery.id, record, claimSeconds(runtime)))) {
    const [first] = await runtime.decisions.list(delivery.id);
    const abandoned =
      first !== undefined && first.run_id === undefined && first.error === undefined && runtime.now() - Date.parse(first.at) > CLAIM_LEASE_MS;
    const open = first !== undefined && first.open === true && first.run_id === undefined;
    const failed = first !== undefined && !abandoned && !open ? await resumedNothing(delivery, first, runtime) : undefined;
    // Taking over an abandoned or failed start keeps its key (its run may exist); a failed run's, a new one.
    const takeover: DecisionRecord =
      first === undefined
        ? record
        : failed === undefined
          ? { ...record, ...(first.earlier === undefined ? {} : { earlier: first.earlier }) }
          : { ...record, earlier: [...(first.earlier ?? []), { ...withoutEarlier(first), error: failed }] };
    // Compare and set: of several answers taking over at once, one wins.
    if (first === undefined || (!abandoned && !open && failed === undefined) || !(await runtime.decisions.reclaim(delivery.id, first, takeover))) {
      throw new AlreadyDecided(`Nothing was resumed: this pause was already answered. ${describeDecision(first, request.channel)}`, request.channel === "link" ? undefined : first);
    }
    record = takeover;
    if (abandoned || open) {
      const found = await keyedRun(delivery, resumeKey(delivery, record), runtime);
      if (found !== undefined) return settle(delivery, { ...record, run_id: found.run_id }, found.thread_id, runtime);
    }
    if (abandoned) runtime.log.warn("took over an abandoned decision", { delivery_id: delivery.id, abandoned_at: first.at });
    else if (open) runtime.log.warn("answered again after a start that failed", { delivery_id: delivery.id, failed_at: first.at });
    else runtime.log.warn("answered again: the earlier answer's resumed run ended on the same pause", { delivery_id: delivery.id, run_id: first.run_id, error: failed });
  }

  const movedOn = async (why: string): Promise<never> => {
    await runtime.decisions.settle(delivery.id, { ...record, error: why });
    throw new AlreadyDecided(`Nothing was resumed: ${why}`, { ...record, error: why });
  };
  let current: unknown;
  try {
    current = await runtime.readThreadState(delivery.thread_id);
  } catch (error) {
    await runtime.decisions.release(delivery.id).catch(() => undefined);
    throw new RelayError(502, "upstream_error", `Could not ask LangGraph whether the thread still waits: ${scrub(describeError(error))}. Nothing was resumed; try again.`);
  }
  if (!stillWaiting(delivery.pause, current)) await movedOn("the thread has moved on (it no longer waits on this pause).");

  const start = runtime.startRun ?? (await import("../trigger/runs.js")).startRun;
  let run;
  try {
    run = await start(
      {
        assistant_id: delivery.assistant_id,
        thread_id: delivery.thread_id,
        command: { resume },
        multitask_strategy: "reject",
        ...(delivery.route === undefined ? {} : { route: delivery.route }),
        metadata: { relay_resumed_from: delivery.id },
        // At most once per key: a create that timed out but happened is found, not doubled.
        dedupe_key: resumeKey(delivery, record),
      },
      { runtime },
    );
  } catch (error) {
    if (error instanceof RelayError && error.status === 409) await movedOn("the thread is busy with another run.");
    // Perhaps created after all: kept open, so that the next answer looks for it (by its key) first.
    const why = `the resumed run could not be started (${error instanceof RelayError ? error.message : "the relay failed"}); the pause may be answered again.`;
    await runtime.decisions.settle(delivery.id, { ...record, error: why, open: true }).catch(() => runtime.decisions.release(delivery.id).catch(() => undefined));
    throw error;
  }
  return settle(delivery, { ...record, run_id: run.run_id }, run.thread_id ?? delivery.thread_id, runtime);
}

/** The key of this answer's start: one per pause and per earlier answer whose run failed. */
function resumeKey(delivery: DeliveryRecord, record: DecisionRecord): string {
  return `resume:${delivery.id}:${(record.earlier ?? []).length}`;
}

/** The run a start with `key` created on the delivery's thread (among its newest), if any. */
async function keyedRun(delivery: DeliveryRecord, key: string, runtime: Runtime): Promise<{ run_id: string; thread_id: string } | undefined> {
  try {
    // Loaded here: /api/deliveries reads decisions through this module, and needs none of the starter.
    const { RUN_KEY_METADATA_KEY } = await import("../trigger/start-once.js");
    const runs = await runtime.readThreadRuns(delivery.thread_id);
    if (runs === "missing") return undefined;
    const found = runs.find((run) => asRecord(run["metadata"])?.[RUN_KEY_METADATA_KEY] === key);
    return typeof found?.["run_id"] === "string" ? { run_id: found["run_id"], thread_id: delivery.thread_id } : undefined;
  } catch (error) {
    runtime.log.warn("could not look for the run an earlier answer may have started", { delivery_id: delivery.id, error: describeError(error) });
    return undefined;
  }
}

/** Records the resumed run on the decision (the run goes on even if that write fails). */
async function settle(delivery: DeliveryRecord, settled: DecisionRecord, threadId: string, runtime: Runtime): Promise<Resumed> {
  const { open: _open, error: _error, ...decision } = settled;
  await runtime.decisions.settle(delivery.id, decision).catch((error: unknown) =>
    runtime.log.warn("could not record the resumed run on the decision", { delivery_id: delivery.id, error: describeError(error) }),
  );
  runtime.log.info("paused run resumed", { delivery_id: delivery.id, channel: decision.channel, decision: decision.decision, run_id: decision.run_id });
  return { delivery_id: delivery.id, run_id: decision.run_id ?? "", thread_id: threadId, decision };
}

function withoutEarlier(decision: DecisionRecord): DecisionRecord {
  const { earlier: _earlier, ...rest } = decision;
  return rest;
}

/**
 * Why a settled decision no longer holds the pause, or undefined while it does: its resumed run has
 * ended (failed — a value the graph could not take — or was cancelled) and the thread still waits on
 * the very same interrupt ids. The run is read before the thread, so that a run ending in between is
 * seen with the state it left. Without interrupt ids the pause cannot be told from a new one: it holds.
 */
async function resumedNothing(delivery: DeliveryRecord & { pause: PauseRecord }, decision: DecisionRecord, runtime: Runtime): Promise<string | undefined> {
  const runId = decision.run_id;
  if (runId === undefined || decision.error !== undefined) return undefined;
  if (delivery.pause.interrupts.length === 0 || delivery.pause.interrupts.some((interrupt) => interrupt.id === undefined)) return undefined;
  try {
    const run = await runtime.readRun(delivery.thread_id, runId);
    const status = run === "missing" ? "missing" : run.status;
    if (status === "pending" || status === "running") return undefined;
    if (!stillWaiting(delivery.pause, await runtime.readThreadState(delivery.thread_id))) return undefined;
    return `the resumed run ${runId} ended (${status.slice(0, 32)}) and the thread still waits on this pause.`;
  } catch (error) {
    runtime.log.warn("could not tell whether an earlier answer's resumed run ended", { delivery_id: delivery.id, run_id: runId, error: describeError(error) });
    return undefined;
  }
}

/** A delivery with its decisions merged in, for /api/deliveries (decisions live under their own key). */
export async function withDecisions(delivery: DeliveryRecord, runtime: Runtime): Promise<DeliveryRecord> {
  if (delivery.event !== PAUSED_EVENT) return delivery;
  try {
    // Earlier answers that resumed nothing come first, each with its error.
    const decisions = (await runtime.decisions.list(delivery.id)).flatMap((decision) => [...(decision.earlier ?? []), withoutEarlier(decision)]);
    return decisions.length === 0 ? delivery : { ...delivery, decisions };
  } catch (error) {
    // The delivery was read: show it, and say in the log why its decisions are missing.
    runtime.log.warn("could not read the decisions of a paused delivery", { delivery_id: delivery.id, error: describeError(error) });
    return delivery;
  }
}
