// What reconciliation records when a run's callback never came: a delivery built from what LangGraph
// says about the run — the run object as `GET /threads/{id}/runs/{run}` answers it, its status, the
// values of the last checkpoint the run wrote, and the error one of its tasks holds — in the shape of
// the callback LangGraph would have sent (the JS server's callback is `{...run, status, values,
// error}`), with the id that callback would have got (deliveryIdFor(run_id, status)). Pure.
import type { DeliveryRecord } from "../model/delivery.js";
import { newDeliveryRecord } from "../model/delivery.js";
import { redactPayload, runPayloadSchema } from "../model/run-payload.js";
import { asRecord } from "../shared/json.js";
import { describeIssues } from "../shared/zod-issues.js";

/** What LangGraph said about an ended run. */
export interface EndedRun {
  /** The run object (ids, metadata, kwargs, times), as LangGraph answered it. */
  run: Record<string, unknown>;
  status: string;
  /** The last checkpoint the run wrote (`readThreadState(thread, run)`), undefined when unreadable or gone. */
  checkpoint: unknown;
}

export interface ReconciledRecordOptions {
  /** The relay's clock (ms): the record's received_at. */
  now: number;
  /** The ledger entry's token id: the run's minted token, never the token. */
  tokenId: string;
  redactKeys: readonly string[];
}

/**
 * The message of the error a failed run's tasks hold (the JS server stores no error on the run
 * itself; its callback's `error` is the exception's message, which the failed task keeps).
 */
function taskError(checkpoint: unknown): string | undefined {
  const tasks = asRecord(checkpoint)?.["tasks"];
  if (!Array.isArray(tasks)) return undefined;
  for (const task of tasks) {
    const error = asRecord(task)?.["error"];
    if (typeof error === "string" && error !== "") return error;
    const message = asRecord(error)?.["message"];
    if (typeof message === "string" && message !== "") return message;
  }
  return undefined;
}

/**
 * The delivery of an ended run, `source: "reconciled"` and confirmed by LangGraph (its record is what
 * the delivery is made of), or a reason when LangGraph's answer is not a run the relay can record.
 */
export function reconciledRecord(ended: EndedRun, options: ReconciledRecordOptions): DeliveryRecord | { invalid: string } {
  const body: Record<string, unknown> = { ...ended.run, status: ended.status };
  const checkpoint = asRecord(ended.checkpoint);
  if (checkpoint !== undefined && "values" in checkpoint) body["values"] = checkpoint["values"];
  const error = ended.status === "success" ? undefined : taskError(ended.checkpoint);
  if (error !== undefined) body["error"] = error;
  const parsed = runPayloadSchema.safeParse(body);
  if (!parsed.success) return { invalid: `LangGraph's record of the run is not a Run: ${describeIssues(parsed.error)}` };
  const record = newDeliveryRecord(redactPayload(parsed.data, options.redactKeys), {
    receivedAt: new Date(options.now),
    auth: "minted",
    tokenId: options.tokenId,
  });
  record.source = "reconciled";
  record.verification = { state: "confirmed", by: "langgraph", checked_at: new Date(options.now).toISOString() };
  return record;
}
