// The steps a sweep runs after the due work (sweep.ts), in order, each with what is left of the
// sweep's time; each answers counts that the sweep adds to its answer. This list is the extension
// point: a new kind of periodic work is one more entry here, not another cron.
import { reconcileLostCallbacks } from "../reconcile/reconcile.js";
import type { SweepStep } from "./sweep.js";

export const SWEEP_STEPS: readonly SweepStep[] = [
  // Runs started through /api/trigger whose callback never came (RECONCILE_AFTER).
  async ({ runtime, router, deadline }) => ({ ...(await reconcileLostCallbacks(runtime, router, { deadline })) }),
];
