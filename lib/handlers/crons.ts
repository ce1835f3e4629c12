// /api/crons over HTTP: token → query (and body) → lib/trigger/cron-manage.ts → answer. What each
// request may say is lib/trigger/cron-requests.ts; every route needs the trigger token.
//
//   GET    /api/crons[?assistant_id&thread_id&enabled&limit&offset]  → 200 {crons, limit, offset, next_offset}
//   GET    /api/crons?cron_id=…                                     → 200 {cron}
//   PATCH  /api/crons?cron_id=…  {schedule, timezone, end_time, …}  → 200 {cron}
//   POST   /api/crons?cron_id=…&action=pause|resume                 → 200 {cron}
//   DELETE /api/crons?cron_id=…                                     → 200 {ok, cron_id}
//
// Creating a cron is POST /api/trigger with mode `cron`.
import { readJson } from "../http/body.js";
import { json } from "../http/response.js";
import type { Runtime } from "../runtime/runtime.js";
import { requireTriggerToken } from "../security/api-auth.js";
import { deleteCron, getCron, listCrons, setCronState, updateCron } from "../trigger/cron-manage.js";
import {
  cronActionQuerySchema,
  cronIdQuerySchema,
  cronListQuerySchema,
  parseCronQuery,
  parseCronUpdate,
} from "../trigger/cron-requests.js";

/** A cron update is a run's input and config at most, like a trigger body. */
export const CRON_UPDATE_MAX_BYTES = 1024 * 1024;

const paramsOf = (request: Request) => new URL(request.url).searchParams;

export async function handleCronsGet(request: Request, runtime: Runtime): Promise<Response> {
  requireTriggerToken(request, runtime.config);
  const params = paramsOf(request);
  if (params.has("cron_id")) {
    const { cron_id } = parseCronQuery(params, cronIdQuerySchema);
    return json(200, { cron: await getCron(cron_id, runtime) });
  }
  return json(200, await listCrons(parseCronQuery(params, cronListQuerySchema), runtime));
}

export async function handleCronsPatch(request: Request, runtime: Runtime): Promise<Response> {
  requireTriggerToken(request, runtime.config);
  const { cron_id } = parseCronQuery(paramsOf(request), cronIdQuerySchema);
  const update = parseCronUpdate(await readJson(request, CRON_UPDATE_MAX_BYTES));
  return json(200, { cron: await updateCron(cron_id, update, runtime) });
}

export async function handleCronsPost(request: Request, runtime: Runtime): Promise<Response> {
  requireTriggerToken(request, runtime.config);
  const { cron_id, action } = parseCronQuery(paramsOf(request), cronActionQuerySchema);
  return json(200, { cron: await setCronState(cron_id, action, runtime) });
}

export async function handleCronsDelete(request: Request, runtime: Runtime): Promise<Response> {
  requireTriggerToken(request, runtime.config);
  const { cron_id } = parseCronQuery(paramsOf(request), cronIdQuerySchema);
  return json(200, await deleteCron(cron_id, runtime));
}
