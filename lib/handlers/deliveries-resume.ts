// POST /api/deliveries?id=<id>&resume=1 (Bearer TRIGGER_TOKEN): the inspector answers a paused
// delivery. Body `{"decision": "approve" | "reject"}` (the route's button values, or the defaults) or
// `{"resume": <any JSON>}`. 202 `{run_id, thread_id, delivery}` once the thread is resumed; 400 when
// the delivery is not paused; 409 `already_decided` when the pause was answered already (Slack, a
// link, another tab) or the thread moved on. Shares lib/hitl/resume.ts with /api/slack and /api/resume.
import { toDetail } from "../inspector/present.js";
import { readJson } from "../http/body.js";
import { json } from "../http/response.js";
import type { Runtime } from "../runtime/runtime.js";
import { badRequest } from "../shared/errors.js";
import { describeIssuesAsSentences } from "../shared/zod-issues.js";
import { resumePause, withDecisions } from "../hitl/resume.js";
import type { PauseRouter } from "../hitl/pause-options.js";
import { parseAnswer, RESUME_MAX_BYTES, resumeQuerySchema } from "../hitl/answer.js";

/** The caller is already authenticated with full access (TRIGGER_TOKEN). */
export async function handleDeliveriesResume(request: Request, runtime: Runtime, router: PauseRouter): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const raw: Record<string, string> = {};
  for (const [name, value] of params) {
    if (Object.hasOwn(raw, name)) throw badRequest("invalid_request", `Query parameter ${JSON.stringify(name.slice(0, 40))} is given more than once.`);
    raw[name] = value;
  }
  const query = resumeQuerySchema.safeParse(raw);
  if (!query.success) throw badRequest("invalid_request", `Invalid query: ${describeIssuesAsSentences(query.error)}. Resume with POST /api/deliveries?id=<delivery id>&resume=1.`);
  const answer = parseAnswer(await readJson(request, RESUME_MAX_BYTES));
  const resumed = await resumePause(
    { deliveryId: query.data.id, channel: "inspector", by: "inspector", credential: "TRIGGER_TOKEN", answer, values: (delivery) => router.pauseOptionsFor(delivery, runtime).decisions },
    runtime,
  );
  const delivery = await runtime.store.get(resumed.delivery_id);
  return json(202, {
    run_id: resumed.run_id,
    thread_id: resumed.thread_id,
    delivery: delivery === undefined ? null : toDetail(await withDecisions(delivery, runtime)),
  });
}
