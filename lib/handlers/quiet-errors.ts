// Who may learn how the relay is configured. A configuration error (a secret unset, a variable
// invalid) is always logged in full, but answered in full only to a caller that presented a valid
// credential: anyone else gets the same 401 as a wrong token, so a request without credentials learns
// nothing of the setup (no variable names, no hint that REDIS_URL or FORWARD_SECRET exists).
import { loadAuthSettings, type AuthSettings } from "../config/env.js";
import { getRuntime } from "../runtime/runtime.js";
import { accessOf } from "../security/api-auth.js";
import { authenticateWebhook, bearerToken } from "../security/webhook-tokens.js";

/** The credentials the relay accepts: from the process runtime, or read from the environment alone when the runtime cannot be built. */
function authSettings(): { settings: AuthSettings; now: number } {
  try {
    const runtime = getRuntime();
    return { settings: runtime.config, now: runtime.now() };
  } catch {
    return { settings: loadAuthSettings(process.env), now: Date.now() };
  }
}

/** True when the request carries a valid TRIGGER_TOKEN or INSPECTOR_TOKEN. */
export function presentsApiCredential(request: Request): boolean {
  const token = bearerToken(request.headers.get("authorization"));
  return token !== undefined && accessOf(token, authSettings().settings) !== undefined;
}

/** True when the request carries a webhook token this deployment would accept. */
export function presentsWebhookCredential(request: Request): boolean {
  try {
    const { settings, now } = authSettings();
    authenticateWebhook(
      { queryToken: new URL(request.url).searchParams.get("token"), authorization: request.headers.get("authorization") },
      settings,
      now,
    );
    return true;
  } catch {
    return false;
  }
}
