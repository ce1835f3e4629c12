// The body LangGraph posts when a run ends: the Run object plus run_started_at, run_ended_at,
// webhook_sent_at, values and error. There is no signature and no event type. The schema checks only
// what the relay relies on and keeps every other field, because servers differ (JS vs Python) and
// grow fields over time.
import { z } from "zod";
import { asRecord } from "../shared/json.js";

/** `error` is a string on the JS server and older servers, `{error, message}` on current Python ones. */
export const runErrorSchema = z.union([
  z.string(),
  z.looseObject({ error: z.string().optional(), message: z.string().optional() }),
]);

const runFieldsSchema = z.object({
  run_id: z.string().min(1),
  thread_id: z.string().min(1),
  assistant_id: z.string().min(1),
  /** Known values: success, error, timeout, interrupted, rollback. Unknown ones are data, not errors. */
  status: z.string().min(1).max(64),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  kwargs: z.record(z.string(), z.unknown()).nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  run_started_at: z.string().nullish(),
  run_ended_at: z.string().nullish(),
  webhook_sent_at: z.string().nullish(),
  values: z.unknown().optional(),
  error: runErrorSchema.nullish(),
});

/** The validated Run fields, plus every other field the server sent, kept as received. */
export type RunPayload = z.infer<typeof runFieldsSchema> & { [field: string]: unknown };

/**
 * Validates a callback body. The fields the relay relies on are checked; the original object, with
 * every other field, is what is returned — cheaper than copying unknown keys through the schema.
 */
export const runPayloadSchema = {
  safeParse(body: unknown): { success: true; data: RunPayload } | { success: false; error: z.ZodError } {
    const result = runFieldsSchema.safeParse(body);
    if (!result.success) return { success: false, error: result.error };
    return { success: true, data: body as RunPayload };
  },
  parse(body: unknown): RunPayload {
    const result = runPayloadSchema.safeParse(body);
    if (!result.success) throw result.error;
    return result.data;
  },
};
export type RunError = z.infer<typeof runErrorSchema>;


/** A readable error message whatever shape the server used. */
export function runErrorMessage(error: RunError | null | undefined): string | undefined {
  if (error === null || error === undefined) return undefined;
  if (typeof error === "string") return error;
  return error.message ?? error.error;
}

/** The graph id, when the server put it in the run's metadata or config. */
export function graphIdOf(payload: RunPayload): string | undefined {
  const fromMetadata = payload.metadata?.["graph_id"];
  if (typeof fromMetadata === "string") return fromMetadata;
  const configurable = asRecord(asRecord(payload.kwargs?.["config"])?.["configurable"]);
  const fromConfig = configurable?.["graph_id"];
  return typeof fromConfig === "string" ? fromConfig : undefined;
}

// ---------------------------------------------------------------------------------------------
// Redaction: `kwargs.webhook` echoes the whole webhook URL including its token, and
// `kwargs.config.configurable` echoes x-* request headers. Both are scrubbed before the payload is
// stored, logged or forwarded.

/** Query parameters of the webhook URL that carry secrets. */
const SECRET_QUERY_PARAMS = ["token", "x-vercel-protection-bypass"];

/** Header-like keys whose values are credentials. */
const SECRET_KEY = /authorization|cookie|token|key|secret|password|passwd|credential|signature/i;

/** Keys that match SECRET_KEY but are ids LangGraph itself sets, never credentials. */
const SAFE_KEYS = new Set(["assistant_id", "thread_id", "run_id", "graph_id", "checkpoint_id", "cron_id"]);

export const REDACTED = "[redacted]";


// Matches one secret query parameter with its value, plus the separator after it. Used only on URLs
// with no percent-escapes and no credentials, where names cannot be disguised; others are parsed.
const SECRET_PARAM = /(?<=[?&])(?:token|x-vercel-protection-bypass)=[^&#]*(?:&|(?=#)|$)/g;

/** Removes secret query parameters from a URL; an unparsable URL is replaced whole. */
export function redactUrl(url: string): string {
  // Fast path for the URLs the trigger mints: the receiver redacts one per callback.
  if (/^https?:\/\/[^/?#@%]*[/?]/i.test(url) && !url.includes("%") && !url.includes("@")) {
    return url.replace(SECRET_PARAM, "").replace(/[?&]$/, "").replace(/[?&](?=#)/, "");
  }
  if (!URL.canParse(url)) return REDACTED;
  const parsed = new URL(url);
  for (const name of SECRET_QUERY_PARAMS) parsed.searchParams.delete(name);
  if (parsed.password !== "") parsed.password = "";
  if (parsed.username !== "") parsed.username = "";
  return parsed.toString();
}

function redactHeaderLike(record: Record<string, unknown>): Record<string, unknown> {
  // Object.fromEntries defines own properties, so a `__proto__` key stays data, never a prototype.
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key, !SAFE_KEYS.has(key) && SECRET_KEY.test(key) ? REDACTED : value]),
  );
}

/**
 * Returns a copy of the payload with the webhook URL's token and bypass secret removed and
 * credential-like entries of `kwargs.config.configurable` (and `kwargs.config.metadata`) replaced.
 * Everything else is kept as received.
 */
export function redactPayload(payload: RunPayload): RunPayload {
  const kwargs = asRecord(payload.kwargs);
  if (kwargs === undefined) return payload;
  const redactedKwargs: Record<string, unknown> = { ...kwargs };
  if (typeof kwargs["webhook"] === "string") redactedKwargs["webhook"] = redactUrl(kwargs["webhook"]);
  const config = asRecord(kwargs["config"]);
  if (config !== undefined) {
    const redactedConfig: Record<string, unknown> = { ...config };
    const configurable = asRecord(config["configurable"]);
    if (configurable !== undefined) redactedConfig["configurable"] = redactHeaderLike(configurable);
    const metadata = asRecord(config["metadata"]);
    if (metadata !== undefined) redactedConfig["metadata"] = redactHeaderLike(metadata);
    redactedKwargs["config"] = redactedConfig;
  }
  return { ...payload, kwargs: redactedKwargs };
}
