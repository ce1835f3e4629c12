// Saving a delivery's progress while its actions run. Actions run concurrently and each reports
// progress; saves of one delivery run one at a time and coalesce, so the store always ends with the
// latest state and never with an older one. A save that fails is tried again with backoff (the
// runtime's sleep), within the delivery's time: a store that blinked while actions ran would
// otherwise keep the record as `pending` although its actions had run.
import type { DeliveryRecord } from "../model/delivery.js";
import type { Runtime } from "../runtime/runtime.js";
import { describeError } from "../shared/log.js";
import { BUDGET_MARGIN_MS } from "./retry-policy.js";

/** Further tries of a failed save (bounded in count as well as time, whatever the clock). */
const SAVE_RETRIES = 10;
const SAVE_RETRY_MIN_MS = 100;
const SAVE_RETRY_MAX_MS = 2_000;
/** Saves may go on this long past the actions' deadline: the budget's margin keeps room for them. */
const SAVE_GRACE_MS = BUDGET_MARGIN_MS / 2;

export class ProgressRecorder {
  #running: Promise<void> | undefined;
  #dirty = false;
  #failures = 0;
  /** No save is retried past this time (runtime.now). */
  readonly #saveUntil: number;

  constructor(
    private readonly delivery: DeliveryRecord,
    private readonly runtime: Runtime,
    /** When the delivery's actions must be done (runtime.now); saves get a grace period beyond it. */
    deadline: number,
  ) {
    this.#saveUntil = deadline + SAVE_GRACE_MS;
  }

  /** Asks for a save of the delivery as it is now; returns at once. */
  request(): void {
    this.#dirty = true;
    this.#running ??= this.#loop();
  }

  async #loop(): Promise<void> {
    const { log } = this.runtime;
    while (this.#dirty) {
      this.#dirty = false;
      try {
        await this.runtime.store.save(this.delivery);
        this.#failures = 0;
      } catch (error) {
        this.#failures += 1;
        const delay = Math.min(SAVE_RETRY_MAX_MS, SAVE_RETRY_MIN_MS * 2 ** (this.#failures - 1));
        const fields = { delivery_id: this.delivery.id, tries: this.#failures, error: describeError(error) };
        if (this.#failures > SAVE_RETRIES || this.runtime.now() + delay > this.#saveUntil) {
          log.error("could not save delivery progress; the record keeps its last saved state", fields);
          continue; // a newer change may be waiting: it gets one try
        }
        if (this.#failures === 1) log.warn("could not save delivery progress; retrying", fields);
        this.#dirty = true;
        await this.runtime.sleep(delay);
      }
    }
    this.#running = undefined;
  }

  /** Saves the delivery as it is now and resolves once every save asked for has settled. */
  async flush(): Promise<void> {
    this.request();
    while (this.#running !== undefined) await this.#running;
  }
}
