// What a human's answer to a pause looks like over HTTP (POST /api/resume and POST
// /api/deliveries?id=…&resume=1): exactly one of `resume` (any JSON, sent as the Command's resume) or
// `decision` (the route's Approve / Reject value). The schemas are the ones lib/openapi publishes.
import * as z from "zod";
import { badRequest } from "../shared/errors.js";
import { describeIssues } from "../shared/zod-issues.js";
import type { Answer } from "./resume.js";
import { DECISIONS } from "./resume-values.js";

/** A resume value is a human's answer, not a thread state. */
export const RESUME_MAX_BYTES = 256 * 1024;

export const answerSchema = z.union([
  // Any JSON (the body was parsed as JSON); present, though `null` is a value.
  z.strictObject({
    resume: z.unknown().refine((value) => value !== undefined, { message: "is required" }).meta({ description: "Sent to LangGraph as the Command's `resume`, as it is: any JSON." }),
  }),
  z.strictObject({ decision: z.enum(DECISIONS).meta({ description: "The Approve / Reject value of the run's route, or the default ({approved, by}; LangChain HITL middleware: {decisions})." }) }),
]);

/** The body of a resume: exactly one of `resume` or `decision`. */
export function parseAnswer(body: unknown): Answer {
  const parsed = answerSchema.safeParse(body);
  if (!parsed.success) {
    throw badRequest("invalid_body", `Expected {"resume": <any JSON>} or {"decision": "approve" | "reject"}: ${describeIssues(parsed.error)}.`);
  }
  return "decision" in parsed.data ? { decision: parsed.data.decision } : { resume: parsed.data.resume };
}

/** POST /api/deliveries?id=…&resume=1 */
export const resumeQuerySchema = z.strictObject({
  id: z.string({ message: "is required: the id of a paused delivery (dlv_…)" }).max(64),
  resume: z.literal("1", { message: 'must be "1" (POST /api/deliveries?id=…&resume=1)' }),
});

/** POST /api/resume?token=… */
export const resumeLinkQuerySchema = z.strictObject({
  token: z.string().meta({ description: "The signed, one-time reference of a resume_url (use the URL as given)." }),
});

/** What /api/slack reads: Slack's form-encoded interactivity request. */
export const slackFormSchema = z.looseObject({
  payload: z.string().meta({ description: "Slack's JSON interaction payload (block_actions: the button, the user, response_url)." }),
});
