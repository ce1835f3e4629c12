// Managing the crons this relay created (creating one is crons.ts): list, read, change, pause, resume,
// delete. Each checks first that the LangGraph server has crons (501 on the local server), and only
// touches a cron this relay made (cron-ownership.ts); anything else is a 404, the same one LangGraph's
// 404 for an unknown id becomes, so a caller cannot tell another's cron from none.
//
// A cron whose token is revoked but that still exists (its delete failed after the revoke) answers
// `revoked: true`, and refuses PATCH and resume with 409: its runs' callbacks would all be rejected.
//
// A cron's webhook is the relay's: no change sends it, so a cron keeps its token through every update,
// and only deleting revokes it. Every answer has the token removed (the payload redacted like a
// delivery's), since it would let anyone holding the answer send that cron's callbacks.
import type { Cron } from "@langchain/langgraph-sdk";
import { CRONS_CLIENT_OPTIONS } from "../config/limits.js";
import { assertCronsSupported, type CronsApi, langGraphCrons } from "../langgraph/crons.js";
import { upstreamError } from "../langgraph/upstream-errors.js";
import { redactPayload } from "../model/run-payload.js";
import type { Runtime } from "../runtime/runtime.js";
import { RelayError, badRequest, notFound } from "../shared/errors.js";
import type { CronList, CronView } from "./answers.js";
import { cronOwnership } from "./cron-ownership.js";
import type { CronAction, CronListQuery, CronUpdate } from "./cron-requests.js";
import { present, withRoute } from "./payload.js";
import { assertEndTimeAhead } from "./schedule.js";

/** A list request reads at most this many pages of LangGraph's list, and starts none after this long. */
export const LIST_MAX_PAGES = 5;
export const LIST_TIME_BUDGET_MS = 10_000;

/** The crons client, once the server is known to have crons. */
async function cronsOf(runtime: Runtime): Promise<CronsApi> {
  const crons = await langGraphCrons(runtime.config, CRONS_CLIENT_OPTIONS);
  await assertCronsSupported(runtime.config, crons);
  return crons;
}

async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw upstreamError(error);
  }
}

/**
 * A cron with its webhook token (and credential-like payload and metadata entries) removed; `revoked`
 * when its token no longer vouches for its callbacks.
 */
export function redactCron(cron: Cron, extraKeys: readonly string[] = [], revoked = false): CronView {
  // A cron's payload is the kwargs of the runs it starts: the receiver's redaction applies as it is.
  const redacted = redactPayload(
    { run_id: "-", thread_id: "-", assistant_id: "-", status: "-", kwargs: cron.payload, metadata: cron.metadata },
    extraKeys,
  );
  return { ...cron, payload: redacted.kwargs ?? {}, metadata: redacted.metadata ?? cron.metadata, ...(revoked ? { revoked: true as const } : {}) };
}

const notOurs = (cronId: string) => notFound(`No cron ${cronId} among this relay's crons (unknown, deleted, or created elsewhere).`);

/** A LangGraph call about one cron: its 404 (no such id) is ours, word for word. */
async function callFor<T>(cronId: string, request: () => Promise<T>): Promise<T> {
  try {
    return await call(request);
  } catch (error) {
    if (error instanceof RelayError && error.status === 404) throw notOurs(cronId);
    throw error;
  }
}

/** GET one cron of ours, or 404; with whether its token is revoked. */
async function ownCron(crons: CronsApi, cronId: string, runtime: Runtime): Promise<{ cron: Cron; revoked: boolean }> {
  const cron = await callFor(cronId, () => crons.get(cronId));
  const ownership = await cronOwnership(cron, runtime);
  if (!ownership.ours) throw notOurs(cronId);
  return { cron, revoked: ownership.revoked };
}

const revokedConflict = (cronId: string) =>
  new RelayError(
    409,
    "conflict",
    `Cron ${cronId} was being deleted: its token is revoked, so its runs' callbacks would be rejected. Retry DELETE /api/crons?cron_id=${cronId}.`,
  );

/**
 * A page of this relay's crons. LangGraph lists every cron of the deployment, so its pages are read
 * from `offset` and filtered until `limit` of ours are found, the list ends, or the page or time
 * budget runs out; `next_offset` says where to go on (a page may hold fewer than `limit`).
 */
export async function listCrons(query: CronListQuery, runtime: Runtime): Promise<CronList> {
  const crons = await cronsOf(runtime);
  const started = runtime.now();
  const found: CronView[] = [];
  let offset = query.offset;
  let exhausted = false;
  for (let page = 0; page < LIST_MAX_PAGES && !exhausted && found.length < query.limit; page++) {
    if (page > 0 && runtime.now() - started > LIST_TIME_BUDGET_MS) break;
    const batch = await call(() =>
      crons.search({
        limit: query.limit,
        offset,
        ...present({ assistantId: query.assistant_id, threadId: query.thread_id }),
        ...(query.enabled === undefined ? {} : { enabled: query.enabled === "true" }),
      }),
    );
    const owned = await Promise.all(batch.map((cron) => cronOwnership(cron, runtime)));
    let consumed = 0;
    for (const [index, cron] of batch.entries()) {
      if (found.length === query.limit) break;
      consumed += 1;
      const ownership = owned[index];
      if (ownership?.ours === true) found.push(redactCron(cron, runtime.config.redactKeys, ownership.revoked));
    }
    offset += consumed;
    // A short page read to its end is the end of LangGraph's list.
    exhausted = batch.length < query.limit && consumed === batch.length;
  }
  const nextOffset = exhausted ? null : offset;
  return { crons: found, limit: query.limit, offset: query.offset, next_offset: nextOffset };
}

export async function getCron(cronId: string, runtime: Runtime): Promise<CronView> {
  const crons = await cronsOf(runtime);
  const { cron, revoked } = await ownCron(crons, cronId, runtime);
  return redactCron(cron, runtime.config.redactKeys, revoked);
}

/**
 * Changes a cron of ours. Its webhook, and so its token, stays as it is. A revoked cron is 409, unless
 * the change only pauses it (which stops what it can no longer do).
 */
export async function updateCron(cronId: string, update: CronUpdate, runtime: Runtime): Promise<CronView> {
  assertEndTimeAhead(update.end_time, runtime.now(), "cron update");
  const crons = await cronsOf(runtime);
  const { cron: current, revoked } = await ownCron(crons, cronId, runtime);
  const onlyPauses = Object.keys(update).length === 1 && update.enabled === false;
  if (revoked && !onlyPauses) throw revokedConflict(cronId);
  if (update.on_completion !== undefined && typeof current.thread_id === "string") {
    throw badRequest("invalid_body", "Invalid cron update: on_completion: applies to stateless crons only (this one runs on a thread).");
  }
  const payload = present({
    schedule: update.schedule,
    timezone: update.timezone,
    // null is sent as null: it clears the end time.
    endTime: update.end_time,
    enabled: update.enabled,
    input: update.input,
    metadata: withRoute(update.metadata, update.route),
    config: update.config,
    context: update.context,
    streamMode: update.stream_mode,
    onRunCompleted: update.on_completion,
  });
  const updated = await callFor(cronId, () => crons.update(cronId, payload));
  runtime.log.info("cron updated", { cron_id: cronId, fields: Object.keys(update) });
  return redactCron(updated, runtime.config.redactKeys, revoked);
}

/** pause: `enabled: false`; resume: `enabled: true`. */
export function setCronState(cronId: string, action: CronAction, runtime: Runtime): Promise<CronView> {
  return updateCron(cronId, { enabled: action === "resume" }, runtime);
}

/**
 * Deletes a cron of ours (another's is 404, as for every other request: a preview deployment sharing
 * the LangGraph deployment and WEBHOOK_SECRET must not delete production's), revoking its token first.
 * The cron's token sits in every run record LangGraph kept of it: once the cron is asked gone, the
 * token must vouch for nothing. Revoked before the delete, so that a failed delete leaves it revoked
 * (the cron then answers `revoked: true` until the retried delete succeeds); a ledger out of reach is
 * a 503 and nothing is deleted.
 */
export async function deleteCron(cronId: string, runtime: Runtime): Promise<{ ok: true; cron_id: string }> {
  const crons = await cronsOf(runtime);
  const { cron } = await ownCron(crons, cronId, runtime);
  const entries = await runtime.ledger.findByCron(cron.cron_id);
  await Promise.all(entries.map((entry) => runtime.ledger.revoke(entry.token_id)));
  await callFor(cronId, () => crons.delete(cronId));
  runtime.log.info("cron deleted", { cron_id: cronId, revoked_tokens: entries.map((entry) => entry.token_id) });
  return { ok: true, cron_id: cronId };
}
