// How many attempts of one action may be in flight at once in one process. Unbounded, a burst of N
// callbacks started N requests at once and their timeouts ran while the busy process could not even
// write them: measured with 5,000 callbacks at 50 connections against a loopback target that answers
// at once, 982 of 5,982 forward attempts timed out, 310 of those never reached the target, and 672
// webhook-ids were accepted twice downstream. Bounded at 64: no timeout, each accepted once.
import type { Runtime } from "../runtime/runtime.js";

export const ATTEMPTS_IN_FLIGHT = 64;

/** A counting semaphore whose waiters give up at a deadline; first come, first served. */
export class Slots {
  #free: number;
  readonly #waiting = new Set<() => void>();

  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves true once a slot is held, or false if none freed up within `timeoutMs`. */
  acquire(timeoutMs: number): Promise<boolean> {
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiting.delete(grant);
        resolve(false);
      }, Math.max(0, timeoutMs));
      this.#waiting.add(grant);
    });
  }

  release(): void {
    for (const next of this.#waiting) {
      this.#waiting.delete(next);
      next();
      return;
    }
    this.#free += 1;
  }
}

const slotsByRuntime = new WeakMap<Runtime, Map<string, Slots>>();

/** The slots of one action (by name) in this process (per runtime, so that tests do not share them). */
export function slotsFor(runtime: Runtime, action: string): Slots {
  let byAction = slotsByRuntime.get(runtime);
  if (byAction === undefined) {
    byAction = new Map();
    slotsByRuntime.set(runtime, byAction);
  }
  let slots = byAction.get(action);
  if (slots === undefined) {
    slots = new Slots(ATTEMPTS_IN_FLIGHT);
    byAction.set(action, slots);
  }
  return slots;
}
