// POST /api/resume?token=<signed reference>: answers a paused run from any channel — email, Teams,
// a ticketing system, a customer's own UI — with the one-time link a forwarded run.paused carries as
// `resume_url`. No bearer token: the link is the credential (signed with a key derived from
// WEBHOOK_SECRET, expiring after RESUME_LINK_TTL, one-time through the decision store). Body
// `{"resume": <any JSON>}` (sent as the Command's resume) or `{"decision": "approve" | "reject"}`
// (the route's button values). 202 with the new run's id; 401 tampered or expired; 409 used.
import type { Runtime } from "../runtime/runtime.js";
import { readJson } from "../http/body.js";
import { json } from "../http/response.js";
import { unauthorized } from "../shared/errors.js";
import { verifyReference } from "../hitl/references.js";
import { resumePause } from "../hitl/resume.js";
import type { PauseRouter } from "../hitl/pause-options.js";
import { parseAnswer, RESUME_MAX_BYTES } from "../hitl/answer.js";

export async function handleResume(request: Request, runtime: Runtime, router: PauseRouter): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const token = params.get("token");
  if (token === null || token === "" || params.getAll("token").length > 1) throw unauthorized("Missing resume link token: use the resume_url as it was given.");
  // The link is checked before the body is read: strangers cannot make us buffer it.
  const deliveryId = verifyReference("link", token, runtime.config.webhookSecrets, runtime.now());
  const answer = parseAnswer(await readJson(request, RESUME_MAX_BYTES));
  const resumed = await resumePause(
    { deliveryId, channel: "link", by: "resume link", answer, values: (delivery) => router.pauseOptionsFor(delivery, runtime).decisions },
    runtime,
  );
  return json(202, { run_id: resumed.run_id, thread_id: resumed.thread_id, delivery_id: resumed.delivery_id });
}
