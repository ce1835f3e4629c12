// mode `cron`: a cron on a thread, or a stateless cron (a new thread per run), whose runs call this
// deployment's webhook with a cron-scoped token. Listing, changing and deleting crons: cron-manage.ts.
import { CRONS_CLIENT_OPTIONS } from "../config/limits.js";
import { assertCronsSupported, langGraphCrons } from "../langgraph/crons.js";
import { RelayError } from "../shared/errors.js";
import type { CreatedCron } from "./answers.js";
import { commonPayload, present } from "./payload.js";
import { failed, prepare, type TriggerContext } from "./prepare.js";
import type { TriggerRequest } from "./request.js";
import { assertEndTimeAhead } from "./schedule.js";

export type { CreatedCron };

/** 201 material. */
export async function createCron(body: TriggerRequest, context: TriggerContext): Promise<CreatedCron> {
  // The body (schedule and time zone included) is valid by now: a server without crons (the local one)
  // hears so before a token is minted or a thread created.
  const { config } = context.runtime;
  assertEndTimeAhead(body.end_time, context.runtime.now(), "trigger request");
  await assertCronsSupported(config, await langGraphCrons(config, CRONS_CLIENT_OPTIONS));
  const prepared = await prepare(body, context, "cron");
  if (body.schedule === undefined) throw new RelayError(400, "invalid_body", "Invalid trigger request: schedule: required.");
  const payload = {
    ...commonPayload(body),
    ...present({
      timezone: body.timezone,
      multitaskStrategy: body.multitask_strategy,
      streamMode: body.stream_mode,
      onRunCompleted: body.on_completion,
      endTime: body.end_time,
    }),
    schedule: body.schedule,
    webhook: prepared.webhook,
  };
  try {
    const cron =
      prepared.threadId === null
        ? await prepared.client.crons.create(body.assistant_id, payload)
        : await prepared.client.crons.createForThread(prepared.threadId, body.assistant_id, payload);
    const created: CreatedCron = {
      cron_id: cron.cron_id,
      schedule: cron.schedule ?? payload.schedule,
      next_run_date: cron.next_run_date ?? null,
    };
    if (prepared.threadId !== null) created.thread_id = cron.thread_id ?? prepared.threadId;
    // Deleting the cron through the relay finds its token here and revokes it. A cron the ledger
    // cannot name could never be revoked: it is deleted again, and the caller told to retry (503).
    const bound = await context.runtime.ledger.bindCron(prepared.tokenId, cron.cron_id).catch(() => false);
    if (!bound) {
      await prepared.client.crons.delete(cron.cron_id).catch((error: unknown) =>
        context.runtime.log.error("could not delete a cron the ledger does not know; delete it by hand", {
          cron_id: cron.cron_id,
          error: String(error),
        }),
      );
      throw new RelayError(503, "store_unavailable", "The cron could not be recorded, so it was not kept. Retry later.");
    }
    return created;
  } catch (error) {
    throw failed(error, prepared, context);
  }
}
