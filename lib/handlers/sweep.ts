// /api/sweep over HTTP: token → lib/sweep's runSweep within this function's budget → counts.
//
//   GET|POST /api/sweep   Authorization: Bearer <CRON_SECRET or TRIGGER_TOKEN>
//        → 200 {"ok": true, "attempted", "succeeded", "rescheduled", "dead", "routed", …steps' counts, "ms"}
//
// Vercel Cron calls it with GET and `Authorization: Bearer $CRON_SECRET` when CRON_SECRET is set.
// Fails closed: with neither CRON_SECRET nor TRIGGER_TOKEN configured every request is refused (500
// not_configured, explained only to a caller presenting a valid credential — lib/handlers/quiet-errors.ts).
import { loadAuthSettings } from "../config/env.js";
import { SWEEP_BUDGET_MS } from "../config/limits.js";
import { json } from "../http/response.js";
import type { Runtime } from "../runtime/runtime.js";
import { bearerToken, matchesAnyToken } from "../security/webhook-tokens.js";
import { notConfigured, RelayError } from "../shared/errors.js";
import type { SweepRouter } from "../sweep/sweep.js";
import { runSweep } from "../sweep/sweep.js";
import { getRuntime } from "../runtime/runtime.js";

const CHALLENGE = { "www-authenticate": 'Bearer realm="langgraph-relay"' };

/** The tokens /api/sweep accepts: CRON_SECRET (Vercel Cron's) and TRIGGER_TOKEN. */
function sweepTokens(config: Pick<Runtime["config"], "triggerTokens"> & { cronSecrets?: readonly string[] }): string[] {
  return [...(config.cronSecrets ?? []), ...config.triggerTokens];
}

/** Checks `Authorization: Bearer <CRON_SECRET | TRIGGER_TOKEN>` in constant time; throws the pinned errors. */
export function requireSweepToken(request: Request, config: Runtime["config"]): void {
  const tokens = sweepTokens(config);
  if (tokens.length === 0) {
    throw notConfigured("Neither CRON_SECRET nor TRIGGER_TOKEN is set: /api/sweep refuses every request until one is.");
  }
  const header = request.headers.get("authorization");
  if (header === null || header.trim() === "") {
    throw new RelayError(401, "unauthorized", "Missing Authorization header: send `Authorization: Bearer <CRON_SECRET>`.", { headers: CHALLENGE });
  }
  const token = bearerToken(header);
  if (token === undefined) {
    throw new RelayError(400, "invalid_request", "The Authorization header must be `Bearer <token>`.", { headers: CHALLENGE });
  }
  if (!matchesAnyToken(token, tokens)) throw new RelayError(401, "unauthorized", "Invalid bearer token.", { headers: CHALLENGE });
}

/** True when the request carries a token /api/sweep accepts (who may hear a configuration error). */
export function presentsSweepCredential(request: Request): boolean {
  const token = bearerToken(request.headers.get("authorization"));
  if (token === undefined) return false;
  let tokens: string[];
  try {
    tokens = sweepTokens(getRuntime().config);
  } catch {
    const env = process.env;
    tokens = [...(env["CRON_SECRET"] === undefined ? [] : [env["CRON_SECRET"].trim()]), ...loadAuthSettings(env).triggerTokens];
  }
  return matchesAnyToken(token, tokens);
}

export async function handleSweep(request: Request, runtime: Runtime, router: SweepRouter): Promise<Response> {
  requireSweepToken(request, runtime.config);
  const started = runtime.now();
  const counts = await runSweep(runtime, router, { deadline: started + SWEEP_BUDGET_MS });
  // At info only when the sweep did something: `npm run dev` sweeps every 5 s, a cron every minute.
  const did = Object.values(counts).some((value) => typeof value === "number" && value > 0);
  if (did) runtime.log.info("sweep done", { ...counts, ms: runtime.now() - started });
  else runtime.log.debug?.("sweep done", { ...counts, ms: runtime.now() - started });
  return json(200, { ok: true, ...counts, ms: runtime.now() - started });
}
