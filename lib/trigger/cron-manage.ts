// Managing the crons this relay created (creating one is crons.ts): list, read, change, pause, resume,
// delete. Each checks first that the LangGraph server has crons (501 on the local server), and only
// touches a cron this relay made (cron-ownership.ts); anything else is a 404, as if it did not exist.
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
import { badRequest, notFound } from "../shared/errors.js";
import type { CronList, CronView } from "./answers.js";
import { cronOwnership } from "./cron-ownership.js";
import type { CronAction, CronListQuery, CronUpdate } from "./cron-requests.js";
import { present, withRoute } from "./payload.js";

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

/** A cron with its webhook token (and credential-like payload and metadata entries) removed. */
export function redactCron(cron: Cron, extraKeys: readonly string[] = []): CronView {
  // A cron's payload is the kwargs of the runs it starts: the receiver's redaction applies as it is.
  const redacted = redactPayload(
    { run_id: "-", thread_id: "-", assistant_id: "-", status: "-", kwargs: cron.payload, metadata: cron.metadata },
    extraKeys,
  );
  return { ...cron, payload: redacted.kwargs ?? {}, metadata: redacted.metadata ?? cron.metadata };
}

const notOurs = (cronId: string) => notFound(`No cron ${cronId} among this relay's crons (unknown, deleted, or created elsewhere).`);

/** GET one cron of ours, or 404. */
async function ownCron(crons: CronsApi, cronId: string, runtime: Runtime): Promise<Cron> {
  const cron = await call(() => crons.get(cronId));
  if (!(await cronOwnership(cron, runtime)).ours) throw notOurs(cronId);
  return cron;
}

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
      if (owned[index]?.ours === true) found.push(redactCron(cron, runtime.config.redactKeys));
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
  return redactCron(await ownCron(crons, cronId, runtime), runtime.config.redactKeys);
}

/** Changes a cron of ours. Its webhook, and so its token, stays as it is. */
export async function updateCron(cronId: string, update: CronUpdate, runtime: Runtime): Promise<CronView> {
  const crons = await cronsOf(runtime);
  const current = await ownCron(crons, cronId, runtime);
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
  const updated = await call(() => crons.update(cronId, payload));
  runtime.log.info("cron updated", { cron_id: cronId, fields: Object.keys(update) });
  return redactCron(updated, runtime.config.redactKeys);
}

/** pause: `enabled: false`; resume: `enabled: true`. */
export function setCronState(cronId: string, action: CronAction, runtime: Runtime): Promise<CronView> {
  return updateCron(cronId, { enabled: action === "resume" }, runtime);
}

/**
 * Deletes a cron, revoking its token first. The cron's token sits in every run record LangGraph kept
 * of it: once the cron is asked gone, the token must vouch for nothing. Revoked before the delete, so
 * that a retry after a failed delete (a 404 from LangGraph the second time) cannot leave it valid; a
 * ledger out of reach is a 503 and nothing is deleted. Any cron id is accepted, as before the list
 * was narrowed to the relay's own: deleting is how a stray cron is cleaned up.
 */
export async function deleteCron(cronId: string, runtime: Runtime): Promise<{ ok: true; cron_id: string }> {
  const crons = await cronsOf(runtime);
  const entries = await runtime.ledger.findByCron(cronId);
  await Promise.all(entries.map((entry) => runtime.ledger.revoke(entry.token_id)));
  await call(() => crons.delete(cronId));
  runtime.log.info("cron deleted", { cron_id: cronId, revoked_tokens: entries.map((entry) => entry.token_id) });
  return { ok: true, cron_id: cronId };
}
