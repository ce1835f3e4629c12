// What an Idempotency-Key means for /api/trigger (modes `create` and `cron`): a start runs at most
// once per (caller, key) within 24 hours. Claim, start, store the answer; replay it to a retry; 409
// while the first request is still going — and for the rest of the window when it never stored its
// answer (it may have started a run: the key stays reserved); release the claim when the start failed. The stores are
// lib/stores/idempotency-store.ts (memory) and lib/stores/redis-idempotency-store.ts; the header is
// read by lib/http/idempotency-key.ts; the runtime holds the store (memory, or Redis beside the deliveries).
import type { Runtime } from "../runtime/runtime.js";
import { sha256Hex } from "../shared/digest.js";
import { badRequest, RelayError } from "../shared/errors.js";
import { describeError } from "../shared/log.js";
import type { IdempotencyStore, StoredAnswer } from "../stores/idempotency-store.js";
import { IN_PROGRESS_LEASE_SECONDS } from "../stores/idempotency-store.js";
import type { TriggerRequest } from "./request.js";

/** Refuses a key on a mode whose answer cannot be replayed. */
export function assertKeyApplies(key: string | undefined, mode: TriggerRequest["mode"]): void {
  if (key !== undefined && mode !== "create" && mode !== "cron") {
    // Replaying a wait or a stream is not possible, and ignoring the key would let a retry start a
    // second run while the caller believes it cannot.
    throw badRequest("invalid_request", `Idempotency-Key applies to modes create and cron, not ${mode}.`);
  }
}

export interface OnceAnswer {
  answer: StoredAnswer;
  /** True when this is the first request's answer, given again. */
  replayed: boolean;
}

/** Runs `start` at most once per (caller, key); without a key, simply runs it. */
export async function once(
  runtime: Runtime,
  callerId: string,
  key: string | undefined,
  body: TriggerRequest,
  start: () => Promise<StoredAnswer>,
): Promise<OnceAnswer> {
  if (key === undefined) return { answer: await start(), replayed: false };
  const store = runtime.idempotency;
  // The caller is the hash of its token, the key is hashed too: neither is stored as given.
  const storeKey = `${callerId.slice(0, 32)}:${sha256Hex(key)}`;
  const fingerprint = sha256Hex(JSON.stringify(body));
  const outcome = await store.claim(storeKey, fingerprint, runtime.now());
  if (outcome.state !== "claimed") {
    if (outcome.fingerprint !== "" && outcome.fingerprint !== fingerprint) {
      throw badRequest(
        "invalid_request",
        "This Idempotency-Key was already used with a different request body; use a new key for a new request.",
      );
    }
    if (outcome.state === "in_progress") {
      const abandoned = outcome.started_at === undefined || runtime.now() - outcome.started_at >= IN_PROGRESS_LEASE_SECONDS * 1000;
      throw new RelayError(
        409,
        "conflict",
        abandoned
          ? "The first request with this Idempotency-Key did not record its answer, so it may have started a run: " +
              "the key stays reserved for 24 hours. Check LangGraph, then use a new key."
          : "A request with this Idempotency-Key is in progress; retry once it has finished.",
      );
    }
    return { answer: outcome.answer, replayed: true };
  }
  let answer: StoredAnswer;
  try {
    answer = await start();
  } catch (error) {
    await store.release(storeKey).catch((releaseError: unknown) =>
      runtime.log.error("could not release an idempotency key", { error: describeError(releaseError) }),
    );
    throw error;
  }
  try {
    await store.complete(storeKey, fingerprint, answer);
  } catch (error) {
    // The run has started: answer it. The claim stays for the whole window, so a retry gets 409,
    // never a second run; storing the answer is tried again after the response.
    runtime.log.error("could not store the answer of an idempotency key", { error: describeError(error) });
    runtime.background(completeLater(runtime, store, storeKey, fingerprint, answer));
  }
  return { answer, replayed: false };
}

/** Stores an answer that could not be stored at once, a few times over ~15 s, so a retry can replay it. */
async function completeLater(runtime: Runtime, store: IdempotencyStore, key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
  for (const delayMs of [1000, 4000, 10_000]) {
    await runtime.sleep(delayMs);
    try {
      await store.complete(key, fingerprint, answer);
      return;
    } catch {
      // The claim keeps the key reserved either way; the next try may find the store back.
    }
  }
}
