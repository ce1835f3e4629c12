// The receiver: token → body → schema → scope → redact → record once → answer → route (after the
// answer). It answers 200 only once the delivery is recorded, 503 when it could not be (LangGraph's
// Python server retries 5xx, never other 4xx), and never runs the actions of a repeat.
import { describeIssues } from "../shared/zod-issues.js";
import { newDeliveryRecord } from "../model/delivery.js";
import { badRequest } from "../shared/errors.js";
import { readJson } from "../http/body.js";
import { json } from "../http/response.js";
import { describeError } from "../shared/log.js";
import type { DeliveryRouter } from "../routing/delivery-router.js";
import { redactPayload, runPayloadSchema } from "../model/run-payload.js";
import type { Runtime } from "../runtime/runtime.js";
import { assertScopeAllows, authenticateWebhook } from "../security/webhook-tokens.js";

export interface WebhookAck {
  ok: true;
  delivery_id: string;
  duplicate: boolean;
}

export async function receiveWebhook(request: Request, runtime: Runtime, router: DeliveryRouter): Promise<Response> {
  const started = performance.now();
  const { config, store, log } = runtime;
  const url = new URL(request.url);

  // Authenticate before reading the body, so unauthenticated callers cannot make us buffer 4.5 MB.
  const credential = authenticateWebhook(
    { queryToken: url.searchParams.get("token"), authorization: request.headers.get("authorization") },
    config,
    runtime.now(),
  );

  const body = await readJson(request, config.webhookMaxBytes);
  const parsed = runPayloadSchema.safeParse(body);
  if (!parsed.success) {
    throw badRequest("invalid_body", `The body is not a LangGraph Run: ${describeIssues(parsed.error)}.`);
  }
  assertScopeAllows(credential, parsed.data.thread_id);

  const delivery = newDeliveryRecord(redactPayload(parsed.data, config.redactKeys), {
    receivedAt: new Date(runtime.now()),
    auth: credential.type,
  });
  delivery.actions = router.plan(delivery, runtime);

  const route = () =>
    runtime.background(
      router.dispatch(delivery, runtime).catch((error: unknown) =>
        log.error("routing failed", { delivery_id: delivery.id, error: describeError(error) }),
      ),
    );
  const { duplicate } = await store.claim(delivery, {
    // The store timed out (this request is answered 503) but recorded the delivery afterwards: it is
    // ours to route, since LangGraph's retry will be a duplicate. (Only while this process lives: a
    // reply lost with its connection cannot be told from a write that never happened.)
    onLateResult: (late) => {
      if (late.duplicate) return;
      log.warn("delivery recorded after the store had timed out; routing it", { delivery_id: delivery.id });
      route();
    },
  });
  if (!duplicate) route();

  log.info("webhook received", {
    delivery_id: delivery.id,
    run_id: delivery.run_id,
    thread_id: delivery.thread_id,
    status: delivery.status,
    event: delivery.event,
    duplicate,
    actions: delivery.actions.length,
    ms: Math.round((performance.now() - started) * 100) / 100,
  });
  const ack: WebhookAck = { ok: true, delivery_id: delivery.id, duplicate };
  return json(200, ack);
}
