// POST /api/resume?token=<signed reference>: answers a paused run from any channel — email, Teams,
// a ticketing system, a customer's own UI — with the one-time link a forwarded run.paused carries as
// `resume_url`. No bearer token: the link is the credential (signed with a key derived from
// WEBHOOK_SECRET, expiring after RESUME_LINK_TTL, one-time through the decision store). Body
// `{"resume": <any JSON>}` (sent as the Command's resume) or `{"decision": "approve" | "reject"}`
// (the route's button values). 202 with the new run's id; 401 tampered or expired; 409 used.
import * as z from "zod";
import type { Runtime } from "../runtime/runtime.js";
import { readJson } from "../http/body.js";
import { json } from "../http/response.js";
import { badRequest, unauthorized } from "../shared/errors.js";
import { describeIssues } from "../shared/zod-issues.js";
import { verifyReference } from "../hitl/references.js";
import { resumePause, type Answer } from "../hitl/resume.js";
import type { PauseRouter } from "../hitl/pause-options.js";
import { DECISIONS } from "../hitl/resume-values.js";

/** A resume value is a human's answer, not a thread state. */
export const RESUME_MAX_BYTES = 256 * 1024;

export const answerSchema = z.union([
  z.strictObject({ resume: z.json().meta({ description: "Sent to LangGraph as the Command's `resume`." }) }),
  z.strictObject({ decision: z.enum(DECISIONS).meta({ description: "The Approve / Reject value of the run's route (or the default)." }) }),
]);

/** The body of a resume: exactly one of `resume` or `decision`. */
export function parseAnswer(body: unknown): Answer {
  const parsed = answerSchema.safeParse(body);
  if (!parsed.success) {
    throw badRequest("invalid_body", `Expected {"resume": <any JSON>} or {"decision": "approve" | "reject"}: ${describeIssues(parsed.error)}.`);
  }
  return "decision" in parsed.data ? { decision: parsed.data.decision } : { resume: parsed.data.resume };
}

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
