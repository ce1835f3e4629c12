// GET /api/crons lists crons, DELETE /api/crons?cron_id=… deletes one; both through the SDK, behind
// the trigger token. Listed crons are redacted like deliveries: a cron's payload holds its webhook URL,
// and with it the cron-scoped token that authenticates every callback the cron will ever make.
import { describeIssues } from "../shared/zod-issues.js";
import type { Cron } from "@langchain/langgraph-sdk";
import { z } from "zod";
import { requireTriggerToken } from "../security/api-auth.js";
import { badRequest } from "../shared/errors.js";
import { json } from "../http/response.js";
import { langGraphClient } from "../langgraph/client.js";
import { redactPayload } from "../model/run-payload.js";
import type { Runtime } from "../runtime/runtime.js";
import { CRONS_CLIENT_OPTIONS } from "../config/limits.js";
import { upstreamError } from "../langgraph/upstream-errors.js";

// GET/DELETE are retried on any failure, POST /search only when it never reached LangGraph.
const CLIENT_OPTIONS = CRONS_CLIENT_OPTIONS;

const guid = (name: string) => z.guid({ message: `${name} must be a UUID` }).toLowerCase();

const listQuerySchema = z.strictObject({
  assistant_id: z.string().trim().min(1).max(256).optional(),
  thread_id: guid("thread_id").optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(10),
  offset: z.coerce.number().int().min(0).default(0),
});

const deleteQuerySchema = z.strictObject({ cron_id: guid("cron_id") });

function query<T extends z.ZodType>(request: Request, schema: T): z.output<T> {
  const params = new URL(request.url).searchParams;
  const raw: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name in raw) throw badRequest("invalid_request", `Query parameter ${name} is given more than once.`);
    raw[name] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw badRequest("invalid_request", `Invalid query: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

/** A cron with its webhook token (and credential-like config entries) removed. */
export function redactCron(cron: Cron, extraKeys: readonly string[] = []): Cron {
  // A cron's payload is the kwargs of the runs it starts: the receiver's redaction applies as is.
  const { kwargs } = redactPayload({ run_id: "-", thread_id: "-", assistant_id: "-", status: "-", kwargs: cron.payload }, extraKeys);
  return { ...cron, payload: kwargs ?? {} };
}

export async function listCrons(request: Request, runtime: Runtime): Promise<Response> {
  requireTriggerToken(request, runtime.config);
  const { assistant_id, thread_id, limit, offset } = query(request, listQuerySchema);
  const client = await langGraphClient(runtime.config, CLIENT_OPTIONS);
  let crons: Cron[];
  try {
    crons = await client.crons.search({
      limit,
      offset,
      ...(assistant_id === undefined ? {} : { assistantId: assistant_id }),
      ...(thread_id === undefined ? {} : { threadId: thread_id }),
    });
  } catch (error) {
    throw upstreamError(error);
  }
  return json(200, { crons: crons.map((cron) => redactCron(cron, runtime.config.redactKeys)), limit, offset });
}

export async function deleteCron(request: Request, runtime: Runtime): Promise<Response> {
  requireTriggerToken(request, runtime.config);
  const { cron_id } = query(request, deleteQuerySchema);
  const client = await langGraphClient(runtime.config, CLIENT_OPTIONS);
  // The cron's token sits in every run record LangGraph kept of it: once the cron is asked gone, the
  // token must vouch for nothing. Revoked first, so that a retry after a failed delete (a 404 from
  // LangGraph the second time) cannot leave it valid; a ledger out of reach is a 503 and nothing is deleted.
  const entries = await runtime.ledger.findByCron(cron_id);
  await Promise.all(entries.map((entry) => runtime.ledger.revoke(entry.token_id)));
  try {
    await client.crons.delete(cron_id);
  } catch (error) {
    throw upstreamError(error);
  }
  runtime.log.info("cron deleted", { cron_id, revoked_tokens: entries.map((entry) => entry.token_id) });
  return json(200, { ok: true, cron_id });
}
