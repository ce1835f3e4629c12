// POST /api/slack: Slack's interactivity requests — a click on the run.paused message's Approve or
// Reject button. Order: headers (present, timestamp within 5 minutes) → the raw body, bounded → the
// v0 signature over those exact bytes (401 in the pinned shape when anything is off) → the form's
// `payload` → the button's signed reference to the paused delivery and a Slack response_url. Then
// 200 at once (Slack wants an answer within 3 s) and, after it, the decision: claimed once, the thread
// resumed (lib/hitl/resume.ts), and the original message rewritten through response_url — who
// decided, when and what, or why nothing was resumed (a second click, another copy, a thread that
// moved on, an expired button).
import type { Runtime } from "../runtime/runtime.js";
import { readBody } from "../http/body.js";
import { json } from "../http/response.js";
import { notConfigured, RelayError } from "../shared/errors.js";
import { describeError } from "../shared/log.js";
import { checkSlackHeaders, verifySlackSignature } from "../hitl/slack-signature.js";
import { verifyReference } from "../hitl/references.js";
import { AlreadyDecided, resumePause } from "../hitl/resume.js";
import type { PauseRouter } from "../hitl/pause-options.js";
import { decidedMessage, parseSlackClick, refusedMessage, type ParseOptions, type SlackClick } from "../hitl/slack-interaction.js";

/** Slack's interactivity payloads carry the message they came from: a few tens of kB at most. */
export const SLACK_MAX_BYTES = 256 * 1024;
/** How long posting to response_url may take, after the answer. */
const RESPONSE_URL_TIMEOUT_MS = 5_000;

export type SlackHandlerOptions = ParseOptions;

/** Posts to Slack's response_url (already checked to be Slack's), without following redirects. */
async function respond(runtime: Runtime, click: SlackClick, body: Record<string, unknown>): Promise<void> {
  try {
    const response = await runtime.fetch(click.responseUrl.toString(), {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "langgraph-relay" },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
    });
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok) runtime.log.warn("Slack's response_url refused the update", { status: response.status });
  } catch (error) {
    // The URL's path is a credential of Slack's: only the failure is logged.
    runtime.log.warn("could not update the Slack message", { error: describeError(error).replace(/https?:\/\/\S+/g, "[url]") });
  }
}

/** After the answer: decide, resume, and tell the channel. Never throws. */
async function decide(click: SlackClick, deliveryId: string, runtime: Runtime, router: PauseRouter): Promise<void> {
  try {
    const resumed = await resumePause(
      {
        deliveryId,
        channel: "slack",
        by: click.userName,
        byId: click.userId,
        answer: { decision: click.decision },
        values: (delivery) => router.pauseOptionsFor(delivery, runtime).decisions,
      },
      runtime,
    );
    await respond(runtime, click, decidedMessage(click, resumed.decision));
  } catch (error) {
    if (error instanceof AlreadyDecided) {
      await respond(runtime, click, refusedMessage(click, error.message, error.decision));
      return;
    }
    const message = error instanceof RelayError ? error.message : "The relay failed; see its logs.";
    runtime.log.warn("a Slack decision resumed nothing", { delivery_id: deliveryId, error: describeError(error) });
    // Only the clicker sees it, and the buttons stay: the pause can be answered again.
    await respond(runtime, click, { response_type: "ephemeral", replace_original: false, text: `:warning: Nothing was resumed: ${message}` });
  }
}

export async function handleSlack(request: Request, runtime: Runtime, router: PauseRouter, options: SlackHandlerOptions = {}): Promise<Response> {
  const secret = runtime.config.slackSigningSecret;
  if (secret === undefined) throw notConfigured("SLACK_SIGNING_SECRET is not set: /api/slack refuses every request until it is.");
  const headers = { timestamp: request.headers.get("x-slack-request-timestamp"), signature: request.headers.get("x-slack-signature") };
  // Unsigned or stale requests are refused before their body is read.
  checkSlackHeaders(headers, runtime.now());
  const body = await readBody(request, SLACK_MAX_BYTES);
  verifySlackSignature({ ...headers, body }, secret, runtime.now());

  const click = parseSlackClick(new TextDecoder().decode(body), options);
  if (click === undefined) return new Response(null, { status: 200 });
  let deliveryId: string;
  try {
    deliveryId = verifyReference("slack", click.reference, runtime.config.webhookSecrets, runtime.now());
  } catch (error) {
    if (error instanceof RelayError && error.code === "expired") {
      runtime.background(respond(runtime, click, refusedMessage(click, `${error.message} Nothing was resumed.`)));
      return new Response(null, { status: 200 });
    }
    throw error;
  }
  runtime.background(decide(click, deliveryId, runtime, router));
  return json(200, {});
}
