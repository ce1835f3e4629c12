// /api/deliveries over HTTP: token → query → store → answer. What the queries mean is in
// lib/inspector/query.ts, what the answers hold in present.ts, replaying in replay.ts. This file only
// adapts them.
//
//   GET  /api/deliveries[?limit&cursor&event&action_state&assistant_id&thread_id&run_id&route&source&since]
//        → 200 {"deliveries": [summary…], "next_cursor": "…" | null}
//   GET  /api/deliveries?id=<id>                  → 200 {"delivery": <record in full>}
//   GET  /api/deliveries?stats=1                  → 200 {"stats": <last hour per minute>, "langsmith": {…} | null}
//   POST /api/deliveries?replay=1&action_state=failed[&route][&event][&since=<ISO>]
//        → 202 {"redriven": <actions made due>, "deliveries": [<ids>], "more": <more matched than one request takes>}
//   POST /api/deliveries?id=<id>&replay=1[&action=<name>]
//        → 200 {"delivery": <record after the replay>, "replayed": [{name, type, state, attempts: [new…]}]}
//
// A replay answers once its attempts are done (retries included), so the caller sees the outcome in
// the answer, not by polling; `replayed` is empty when nothing had failed.
import { requireApiToken, requireTriggerToken } from "../security/api-auth.js";
import { isDeliveryId, listOptionsOf, parseGetQuery, parseRedriveQuery, parseReplayQuery } from "../inspector/query.js";
import { redriveDeadActions } from "../inspector/redrive.js";
import { runSweep } from "../sweep/sweep.js";
import { attemptCounts, newAttempts, toDetail, toSummary } from "../inspector/present.js";
import type { DeliveryRecord } from "../model/delivery.js";
import { asReadFailure, notFound } from "../shared/errors.js";
import { json } from "../http/response.js";
import { replayDelivery } from "../inspector/replay.js";
import { withDecisions } from "../hitl/resume.js";
import { handleDeliveriesResume } from "./deliveries-resume.js";
import { deliveryStats, parseStatsQuery } from "../inspector/stats.js";
import { REPLAY_BUDGET_MS } from "../config/limits.js";
import type { Router } from "../routing/define.js";
import type { Runtime } from "../runtime/runtime.js";

export { REPLAY_BUDGET_MS };

/** The record, or a 404 that echoes only ids of our own format (never arbitrary input). */
async function recordOf(id: string, runtime: Runtime): Promise<DeliveryRecord> {
  if (!isDeliveryId(id)) throw notFound("No delivery with that id.");
  const record = await runtime.store.get(id).catch((error: unknown) => {
    throw asReadFailure(error, runtime.config.redisUrl);
  });
  if (record === undefined) throw notFound(`No delivery ${id} (unknown, or expired).`);
  return record;
}

export async function handleDeliveriesGet(request: Request, runtime: Runtime): Promise<Response> {
  requireApiToken(request, runtime.config, "read");
  const params = new URL(request.url).searchParams;
  // The inspector's health strip (lib/inspector/stats.ts): counts of the last hour, no records.
  if (params.has("stats")) {
    parseStatsQuery(params);
    return json(200, await deliveryStats(runtime.store, runtime.config, runtime.now()));
  }
  const query = parseGetQuery(params);
  if (query.kind === "detail") {
    return json(200, { delivery: toDetail(await withDecisions(await recordOf(query.id, runtime), runtime)) });
  }
  const page = await runtime.store.list(listOptionsOf(query)).catch((error: unknown) => {
    throw asReadFailure(error, runtime.config.redisUrl);
  });
  return json(200, { deliveries: page.deliveries.map(toSummary), next_cursor: page.nextCursor ?? null });
}

export async function handleDeliveriesPost(request: Request, runtime: Runtime, router: Router): Promise<Response> {
  requireTriggerToken(request, runtime.config);
  // Answering a paused run (lib/handlers/deliveries-resume.ts), not a replay.
  if (new URL(request.url).searchParams.has("resume")) return handleDeliveriesResume(request, runtime, router);
  const params = new URL(request.url).searchParams;
  // Replay by filter (no id): every dead action of the matching deliveries, then run after the answer.
  if (!params.has("id") && params.has("replay")) return handleRedrive(params, runtime, router);
  const { id, action } = parseReplayQuery(params);
  // Read first to know which attempts are new afterwards, and to answer 404 before anything runs.
  const before = await recordOf(id, runtime);
  const after = await replayDelivery(
    id,
    { action, budgetMs: REPLAY_BUDGET_MS },
    runtime,
    router,
  );
  return json(200, { delivery: toDetail(after), replayed: newAttempts(after, attemptCounts(before)) });
}

/** Redrive: dead actions made due again (bounded), then run in the background and by the sweep. */
async function handleRedrive(params: URLSearchParams, runtime: Runtime, router: Router): Promise<Response> {
  const { filter } = parseRedriveQuery(params);
  const result = await redriveDeadActions(filter, runtime, router).catch((error: unknown) => {
    throw asReadFailure(error, runtime.config.redisUrl);
  });
  runtime.log.info("redrive", { redriven: result.redriven, deliveries: result.deliveries.length, more: result.more });
  if (result.redriven > 0) {
    runtime.background(runSweep(runtime, router, { deadline: runtime.now() + REPLAY_BUDGET_MS, maxItems: result.redriven, steps: [] }));
  }
  return json(202, result);
}
