// `npm run dev`'s stand-in for Vercel Cron: calls the dev server's own /api/sweep on a short interval,
// so scheduled retries, stranded deliveries and lost callbacks are handled locally the way a
// deployment's cron handles them. Over HTTP, so each sweep runs the functions as they are now (after
// a reload too). One sweep at a time; a failed call is logged once until one succeeds again.
import { connect } from "node:net";
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
  /**
   * Whether the store answers again (e.g. redisReachable(REDIS_URL)): after a 503 the sweeper asks
   * this, not /api/sweep, until it does, so that a Redis down is said once, not every 5 s.
   */
  storeReachable?: () => Promise<boolean>;
}

/**
 * A TCP probe of a Redis URL's host and port (no command, no client, nothing logged): while the store
 * is down the sweeper waits on this instead of calling /api/sweep, whose every failure the functions
 * log at error (3 lines every 5 s in the terminal otherwise).
 */
export function redisReachable(url: string, timeoutMs = 1_000): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        resolve(false);
        return;
      }
      const socket = connect({ host: parsed.hostname.replace(/^\[|\]$/g, ""), port: Number(parsed.port || 6379) });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once("connect", () => done(true));
      socket.once("error", () => done(false));
    });
}

/** Starts sweeping; returns the function that stops it. */
export function startSweeper(options: SweeperOptions): () => void {
  const token = options.token?.split(",")[0]?.trim();
  if (token === undefined || token === "") {
    options.log.warn("no TRIGGER_TOKEN: the dev server does not sweep (scheduled retries wait)");
    return () => undefined;
  }
  let running = false;
  /** The failure last logged (its message), until a sweep succeeds again. */
  let failure: string | undefined;
  /** True after a 503 (the store is down): wait for `storeReachable` before calling again. */
  let storeDown = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      if (storeDown && options.storeReachable !== undefined && !(await options.storeReachable())) return;
      const response = await fetch(`${options.url}/api/sweep`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      const counts = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) {
        storeDown = response.status === 503;
        const error = (counts["error"] as { message?: unknown } | undefined)?.message;
        throw new Error(`answered ${response.status}${typeof error === "string" ? `: ${error}` : ""}`);
      }
      storeDown = false;
      if (failure !== undefined) options.log.info("dev sweep recovered", {});
      failure = undefined;
      const did = Object.entries(counts).some(([key, value]) => key !== "ms" && typeof value === "number" && value > 0);
      if (did) options.log.info("dev sweep", counts);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Once per distinct failure: the same one every 5 s says nothing new.
      if (message !== failure) {
        options.log.warn(storeDown ? "dev sweep failed; sweeping again once the store answers" : "dev sweep failed; trying again", { error: message });
      }
      failure = message;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), options.intervalMs ?? DEV_SWEEP_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
