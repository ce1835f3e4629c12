// What happens to a recorded callback after the acknowledgement: confirm it (lib/verification/confirm.ts),
// write the verdict on the record, and only then let the router see it. A confirmed delivery routes
// once per run and status (the store's routing gate); an unverified one only to routes that opted in;
// a rejected one nowhere — recorded, logged at warn with its token's id, visible in /api/deliveries.
// Every ending commits through the store's `commitPlan` under the routing lease the claim took, which
// also takes the delivery's routing item out of the due-time index: a receiver that dies before that
// leaves the item due, and the sweep confirms and routes the delivery again (`credentialOf` rebuilds
// what confirmation needs without the token, which is never stored).
import { DISPATCH_BUDGET_MS } from "../config/limits.js";
import { hasPublicUrl, publicBaseUrl, WEBHOOK_PATH } from "../config/public-url.js";
import type { DeliveryRecord, Verification } from "../model/delivery.js";
import { deliveryIdFor } from "../model/delivery.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Lease } from "../stores/due-work.js";
import { verifyMintedToken } from "../security/webhook-tokens.js";
import { describeError } from "../shared/log.js";
import { scrub } from "../shared/scrub.js";
import type { PresentedCredential } from "./confirm.js";
import { confirmCallback } from "./confirm.js";

/** The router as verification needs it (lib/routing's DeliveryRouter). */
export interface RoutingStep {
  plan(delivery: DeliveryRecord, runtime: Runtime): DeliveryRecord["actions"];
  dispatch(delivery: DeliveryRecord, runtime: Runtime, options?: { deadline?: number; lease?: Lease | undefined }): Promise<void>;
}

/**
 * What confirmation needs of a recorded delivery's credential, without its token (never stored): a
 * minted token's id, kind (the ledger's) and whether it named a thread (a thread run's payload is not
 * `temporary`); for a static token, every configured one. LangGraph's run must then hold a valid token
 * with the same id (minted) or one of the configured tokens (static).
 */
export async function credentialOf(delivery: DeliveryRecord, runtime: Runtime): Promise<PresentedCredential> {
  if (delivery.auth === "static" || delivery.token_id === undefined) {
    return { type: "static", anyOf: runtime.config.webhookTokens };
  }
  const entry = await withStoreRetries(runtime, () => runtime.ledger.get(delivery.token_id as string));
  return {
    type: "minted",
    tokenId: delivery.token_id,
    kind: entry?.kind ?? "run",
    threadBound: delivery.payload.kwargs?.["temporary"] !== true,
  };
}

/** The id of one of this deployment's minted tokens, or undefined for anything else. */
function verifiedTokenId(token: string, config: Runtime["config"], now: number): string | undefined {
  try {
    return verifyMintedToken(token, config.webhookSecrets, now, config.deploymentEnvironment).nonce;
  } catch {
    return undefined;
  }
}

/** How long the store steps of verification (the gate, saving the verdict) are retried: a Redis blip must not strand a delivery. */
const STORE_RETRY_MS = 20_000;

/** Runs a store step again after a failure, backing off, until it succeeds or the time is up (then throws). */
async function withStoreRetries<T>(runtime: Runtime, step: () => Promise<T>): Promise<T> {
  const deadline = runtime.now() + STORE_RETRY_MS;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await step();
    } catch (error) {
      if (runtime.now() + delay > deadline) throw error;
      await runtime.sleep(delay);
    }
  }
}

/**
 * This relay's /api/webhook: the path, and the configured public address where there is one (behind
 * a proxy or a custom domain the path alone is what a hand-made URL shares with ours).
 */
function isOwnWebhook(url: string, config: Runtime["config"]): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (!parsed.pathname.endsWith(WEBHOOK_PATH)) return false;
  return !hasPublicUrl(config) || parsed.host === new URL(publicBaseUrl(config)).host;
}

/** Confirms the delivery, records the verdict, and routes it (or not). Never throws. */
export async function verifyAndRoute(
  delivery: DeliveryRecord,
  credential: PresentedCredential,
  runtime: Runtime,
  router: RoutingStep,
  receivedAt: number = runtime.now(),
  lease?: Lease,
): Promise<void> {
  // The routing budget counts from the callback's arrival: confirming it is part of routing.
  const deadline = receivedAt + DISPATCH_BUDGET_MS;
  const { config, log, ledger, store } = runtime;
  try {
    const verdict = await confirmCallback(
      { run_id: delivery.run_id, thread_id: delivery.thread_id, status: delivery.status, received_at: Date.parse(delivery.received_at) },
      credential,
      {
        ledgerEntry: (tokenId) => withStoreRetries(runtime, () => ledger.get(tokenId)),
        getRun: config.langgraphApiUrl === undefined ? undefined : runtime.readRun,
        now: runtime.now,
        sleep: runtime.sleep,
        claimCallback: (tokenId, runId) => withStoreRetries(runtime, () => ledger.claimCallback(tokenId, runId)),
        isOwnWebhook: (url) => isOwnWebhook(url, config),
        verifiedTokenId: (token) => verifiedTokenId(token, config, runtime.now()),
      },
    );
    const checkedAt = new Date(runtime.now()).toISOString();
    const secrets = credential.type === "minted" ? [credential.token] : [];
    /** Saves an ending with no action to run: the verdict, and the routing item out of the due index. */
    const settle = () => withStoreRetries(runtime, () => store.commitPlan(delivery, lease, runtime.now(), 0));
    const verification: Verification =
      verdict.state === "confirmed"
        ? { state: "confirmed", by: verdict.by, checked_at: checkedAt }
        : { state: verdict.state, reason: scrub(verdict.reason, secrets), checked_at: checkedAt };
    delivery.verification = verification;

    if (verification.state === "rejected") {
      delivery.routing = "skipped";
      log.warn("callback rejected", { delivery_id: delivery.id, run_id: delivery.run_id, token_id: delivery.token_id, reason: verification.reason });
      await settle();
      return;
    }
    if (verification.state === "confirmed") {
      // Of every confirmed copy of this run's callback, one routes.
      const gate = await withStoreRetries(runtime, () => store.claimRouting(deliveryIdFor(delivery.run_id, delivery.status), delivery.id));
      if (!gate.won) {
        delivery.routing = "skipped";
        delivery.duplicate_of = gate.holder;
        log.info("callback already routed", { delivery_id: delivery.id, duplicate_of: gate.holder });
        await settle();
        return;
      }
      if (credential.type === "minted") {
        await ledger.markCallbackSeen(credential.tokenId, delivery.run_id).catch((error: unknown) =>
          log.warn("could not mark the run's callback in the ledger", { token_id: credential.tokenId, error: describeError(error) }),
        );
      }
    } else {
      log.warn("callback unverified", { delivery_id: delivery.id, run_id: delivery.run_id, token_id: delivery.token_id, reason: verification.reason });
    }
    delivery.actions = router.plan(delivery, runtime);
    if (delivery.routing === "no_route") {
      // Nothing will run and no thread check could change that: the verdict is all there is to save.
      await settle();
      log.info("no route matched", { delivery_id: delivery.id, event: delivery.event });
      return;
    }
    await router.dispatch(delivery, runtime, { deadline, lease });
  } catch (error) {
    log.error("verifying or routing the callback failed", { delivery_id: delivery.id, error: describeError(error) });
  }
}
