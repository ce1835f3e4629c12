// `npm run dev`'s stand-in for Vercel Cron: calls the dev server's own /api/sweep on a short interval,
// so scheduled retries, stranded deliveries and lost callbacks are handled locally the way a
// deployment's cron handles them. Over HTTP, so each sweep runs the functions as they are now (after
// a reload too). One sweep at a time; a failed call is logged once until one succeeds again.
import type { Logger } from "../lib/shared/log.js";

/** How often the dev server sweeps: short, so that a 5 s retry runs about when it is due. */
export const DEV_SWEEP_INTERVAL_MS = 5_000;

export interface SweeperOptions {
  /** The dev server's base URL. */
  url: string;
  /** A TRIGGER_TOKEN (or CRON_SECRET) the server accepts; without one nothing is swept. */
  token: string | undefined;
  log: Logger;
  intervalMs?: number;
}

/** Starts sweeping; returns the function that stops it. */
export function startSweeper(options: SweeperOptions): () => void {
  const token = options.token?.split(",")[0]?.trim();
  if (token === undefined || token === "") {
    options.log.warn("no TRIGGER_TOKEN: the dev server does not sweep (scheduled retries wait)");
    return () => undefined;
  }
  let running = false;
  let failing = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const response = await fetch(`${options.url}/api/sweep`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      const counts = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) throw new Error(`answered ${response.status}`);
      failing = false;
      const did = Object.entries(counts).some(([key, value]) => key !== "ms" && typeof value === "number" && value > 0);
      if (did) options.log.info("dev sweep", counts);
    } catch (error) {
      if (!failing) options.log.warn("dev sweep failed; trying again", { error: error instanceof Error ? error.message : String(error) });
      failing = true;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), options.intervalMs ?? DEV_SWEEP_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
