// The receiver: token → body → schema → scope → redact → record once → answer → confirm → route.
// It answers 200 only once the delivery is recorded, 503 when it could not be (LangGraph's Python
// server retries 5xx, never other 4xx), and never runs the actions of a repeat. A valid token is not
// enough to route: after the answer, the callback is confirmed against the run ledger and LangGraph's
// own record of the run (lib/verification/), and only a confirmed delivery takes the routing gate.
//
// Records: the first callback for a run and status gets the id derived from them. A later one with the
// very same body (LangGraph's retry) is a duplicate. A later one with another body — a forged copy sent
// first cannot make the genuine callback a "duplicate" — is recorded beside it, under an id derived from
// its body, and confirmed on its own. A callback whose run reconciliation recorded already is a duplicate.
import { describeIssues } from "../shared/zod-issues.js";
import { alternateDeliveryIdFor, newDeliveryRecord, type DeliveryRecord } from "../model/delivery.js";
import { badRequest, withLogFields } from "../shared/errors.js";
import { readJsonText } from "../http/body.js";
import { json } from "../http/response.js";
import { describeError } from "../shared/log.js";
import { sha256Hex } from "../shared/digest.js";
import type { DeliveryRouter } from "../routing/delivery-router.js";
import { redactPayload } from "../model/redaction.js";
import type { Runtime } from "../runtime/runtime.js";
import { assertScopeAllows, authenticateWebhook, type WebhookCredential } from "../security/webhook-tokens.js";
import type { PresentedCredential } from "../verification/confirm.js";
import type { Lease } from "../stores/due-work.js";
import { DISPATCH_BUDGET_MS } from "../config/limits.js";

// Loaded by the first request that needs them, so that a cold start answers sooner: the payload's
// schema once a token is good (a 401 never builds it), confirmation and routing — and the routes
// file, when given as a loader — after the answer. Later requests reuse the loaded modules.
let payloadSchema: Promise<typeof import("../model/run-payload.js")> | undefined;
let afterAnswer: Promise<typeof import("./webhook-after.js")> | undefined;
const loadPayloadSchema = () => (payloadSchema ??= import("../model/run-payload.js"));
const loadAfterAnswer = () => (afterAnswer ??= import("./webhook-after.js"));

/** The routes, or how to load them (api/webhook.ts loads routes.ts only once a callback is recorded). */
export type RouterSource = DeliveryRouter | (() => Promise<DeliveryRouter>);

export interface WebhookAck {
  ok: true;
  delivery_id: string;
  duplicate: boolean;
}

/** The body's digest, its `webhook_sent_at` left out: a retry may stamp a new one on the same callback. */
function bodyDigest(text: string): string {
  return sha256Hex(text.replace(/"webhook_sent_at"\s*:\s*(?:"[^"]*"|null)/, ""));
}

function presented(credential: WebhookCredential): PresentedCredential {
  if (credential.type === "minted") {
    return {
      type: "minted",
      tokenId: credential.scope.nonce,
      kind: credential.scope.kind,
      token: credential.token,
      threadBound: credential.scope.threadId !== undefined,
    };
  }
  // The token that authenticated, not merely one present: confirmation compares it with the run's.
  return { type: "static", token: credential.token };
}

export async function handleWebhook(request: Request, runtime: Runtime, routes: RouterSource): Promise<Response> {
  const started = performance.now();
  const receivedAt = runtime.now();
  const { config, store, log } = runtime;
  const url = new URL(request.url);

  // Authenticate before reading the body, so unauthenticated callers cannot make us buffer 4.5 MB.
  const credential = authenticateWebhook(
    { queryToken: url.searchParams.get("token"), authorization: request.headers.get("authorization") },
    config,
    runtime.now(),
  );

  const { value: body, text } = await readJsonText(request, config.webhookMaxBytes);
  const { runPayloadSchema } = await loadPayloadSchema();
  const parsed = runPayloadSchema.safeParse(body);
  if (!parsed.success) {
    // The run it claims to be, when a string run_id can be read: the log line then names it.
    const claimed = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)["run_id"] : undefined;
    const runId = typeof claimed === "string" && /^[\w-]{1,100}$/.test(claimed) ? claimed : undefined;
    throw withLogFields(badRequest("invalid_body", `The body is not a LangGraph Run: ${describeIssues(parsed.error)}.`), { run_id: runId });
  }
  // From here on, the request's log line names the run when it is refused or fails (lib/http/methods.ts).
  const ids = { run_id: parsed.data.run_id, thread_id: parsed.data.thread_id ?? undefined };
  const annotated = (error: unknown): never => {
    throw withLogFields(error, ids);
  };
  try {
    assertScopeAllows(credential, parsed.data.thread_id);
  } catch (error) {
    annotated(error);
  }

  const tokenId = credential.type === "minted" ? credential.scope.nonce : undefined;
  const digest = bodyDigest(text);
  const delivery = newDeliveryRecord(redactPayload(parsed.data, config.redactKeys), {
    receivedAt: new Date(runtime.now()),
    auth: credential.type,
    tokenId,
    bodyDigest: digest,
  });
  delivery.verification = { state: "pending" };

  const verify = (recorded: DeliveryRecord, lease: Lease | undefined) => {
    runtime.background(
      // A timer's turn first: on a cold start, loading this code before the answer is written would
      // delay the answer (measured: bench/README.md, cold start).
      new Promise((resolve) => setTimeout(resolve, 0))
        .then(() => Promise.all([loadAfterAnswer(), typeof routes === "function" ? routes() : routes]))
        .then(([{ verifyAndRoute, drainSoon, isSweepRouter }, router]) => {
          // Due work of earlier deliveries (retries, stranded routings), bounded, after this one's answer.
          if (isSweepRouter(router)) drainSoon(runtime, router, receivedAt + DISPATCH_BUDGET_MS);
          return verifyAndRoute(recorded, presented(credential), runtime, router, receivedAt, lease);
        })
        .catch((error: unknown) => log.error("routing failed", { delivery_id: recorded.id, error: describeError(error) })),
    );
  };

  // A claim that times out here but lands in Redis answers 503 (LangGraph's retry is then a
  // duplicate): its routing item, enqueued by the claim itself, falls due and the sweep routes it.
  let { duplicate, lease } = await store.claim(delivery).catch(annotated);
  if (duplicate) {
    const first = await store.get(delivery.id).catch(annotated);
    // Records of older relays have no digest: a repeat of theirs stays a duplicate, as before. A
    // reconciled record (lib/reconcile) was made from LangGraph's own record of the run after its
    // callback failed to come: the callback arriving late is a duplicate whatever its body says.
    if (first?.source !== "reconciled" && first?.body_digest !== undefined && first.body_digest !== digest) {
      // Reconciliation records beside a callback that holds the first id (a forged copy sent before
      // the run ended): the run is recorded all the same, so this late callback is a duplicate too.
      const reconciledId = alternateDeliveryIdFor(delivery.run_id, delivery.status, "reconciled");
      const reconciled = await store.get(reconciledId).catch(annotated);
      if (reconciled?.source === "reconciled") {
        delivery.id = reconciledId;
      } else {
        delivery.id = alternateDeliveryIdFor(delivery.run_id, delivery.status, digest);
        ({ duplicate, lease } = await store.claim(delivery).catch(annotated));
      }
    }
  }
  if (!duplicate) verify(delivery, lease);

  log.info("webhook received", {
    delivery_id: delivery.id,
    run_id: delivery.run_id,
    thread_id: delivery.thread_id,
    // The run's status as LangGraph sent it, not an event: a success may still become run.paused
    // once routing has asked LangGraph (the routing lines carry the event).
    status: delivery.status,
    token_id: tokenId,
    duplicate,
    ms: Math.round((performance.now() - started) * 100) / 100,
  });
  const ack: WebhookAck = { ok: true, delivery_id: delivery.id, duplicate };
  return json(200, ack);
}
