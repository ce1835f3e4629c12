// Saving a delivery's routing to the store, tried again when the store blinks. Progress itself is
// committed per action by the runner (runner.ts, `commitAction`); what is saved here is the plan
// (`commitPlan`: the event, the routing state, the actions to run and their leases). A save that fails
// is tried again with backoff (the runtime's sleep), bounded in count and in time: a store that blinked
// while a delivery was routed would otherwise leave its record `pending` — and then the routing item's
// lease runs out and the sweep routes it again, so nothing is lost either way.
import type { Runtime } from "../runtime/runtime.js";
import { describeError } from "../shared/log.js";

/** Further tries of a failed save (bounded in count as well as time, whatever the clock). */
const SAVE_RETRIES = 10;
const SAVE_RETRY_MIN_MS = 100;
const SAVE_RETRY_MAX_MS = 2_000;

/**
 * Runs a store step until it succeeds, backing off between tries, until `until` (runtime.now) or
 * SAVE_RETRIES tries; then logs at error level and answers undefined.
 */
export async function saveWithRetries<T>(
  runtime: Runtime,
  deliveryId: string,
  until: number,
  step: () => Promise<T>,
): Promise<{ value: T } | undefined> {
  const { log } = runtime;
  for (let failures = 0; ; ) {
    try {
      return { value: await step() };
    } catch (error) {
      failures += 1;
      const delay = Math.min(SAVE_RETRY_MAX_MS, SAVE_RETRY_MIN_MS * 2 ** (failures - 1));
      const fields = { delivery_id: deliveryId, tries: failures, error: describeError(error) };
      if (failures > SAVE_RETRIES || runtime.now() + delay > until) {
        log.error("could not save delivery progress; the record keeps its last saved state", fields);
        return undefined;
      }
      if (failures === 1) log.warn("could not save delivery progress; retrying", fields);
      await runtime.sleep(delay);
    }
  }
}
