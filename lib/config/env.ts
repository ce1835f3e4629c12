// The relay's configuration: every environment variable is read here, once, and validated with zod.
// A value that is present but wrong fails loudly with the variable's name; a secret that is absent
// leaves its feature refusing requests (fail closed), never accepting them.
//
// The schema is written with zod/mini, zod's tree-shakable API: every function parses it on its cold
// start before answering anything, and the classic API costs that start ~20 ms more to load and build
// (bench/README.md, "Webhook cold start"). Checks are `.check(z.refine(...))`, transforms `z.pipe`.
import * as z from "zod/mini";
// zod/mini loads no locale: the English messages the classic API has.
import en from "zod/v4/locales/en.js";
import { RelayError } from "../shared/errors.js";
import { describeIssuesAsSentences } from "../shared/zod-issues.js";
import { DURATION_HINT, parseDuration } from "./duration.js";

z.config(en());

/** Vercel's own cap on a function's request body. */
export const DEFAULT_WEBHOOK_MAX_BYTES = 4.5 * 1024 * 1024;
export const DEFAULT_RUN_TOKEN_TTL_HOURS = 72;
export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_MEMORY_MAX_DELIVERIES = 10_000;
export const DEFAULT_MEMORY_MAX_AGE_HOURS = 24;
/** Byte budget of the memory store (the records' JSON). */
export const DEFAULT_MEMORY_MAX_MB = 64;
/** Size cap of a stored payload: beyond it, its biggest parts are cut (lib/model/payload-cap.ts). */
export const DEFAULT_STORED_PAYLOAD_MAX_KB = 256;
/** How long after its start a run without a callback is looked up in LangGraph (lib/reconcile). */
export const DEFAULT_RECONCILE_AFTER = "15m";
/** How long a resume link or a Slack approval stays valid after the run paused (RESUME_LINK_TTL). */
export const DEFAULT_RESUME_LINK_TTL = "7d";
/**
 * Delays before each retry of an action (RETRY_SCHEDULE): 10 retries over about 26 hours, so a
 * downstream that is down for a day still gets its deliveries (Svix and QStash retry as long).
 */
export const DEFAULT_RETRY_SCHEDULE = "5s,30s,2m,10m,30m,1h,2h,5h,8h,10h";
/** Longest delay of one step: Redis scores and timers stay exact well beyond it. */
export const MAX_RETRY_STEP_MS = 7 * 86_400_000;
/** Upper bound on the number of retries, so that a typo cannot turn one delivery into a flood. */
export const MAX_RETRY_STEPS = 50;

/** RETRY_SCHEDULE's delays in ms, or a message saying what is wrong with it. */
export function parseRetrySchedule(text: string): number[] | string {
  const steps = text.split(",").map((step) => step.trim());
  if (steps.length > MAX_RETRY_STEPS) return `must list at most ${MAX_RETRY_STEPS} delays`;
  const delays: number[] = [];
  for (const [index, step] of steps.entries()) {
    const ms = step === "" ? undefined : parseDuration(step);
    if (ms === undefined || ms > MAX_RETRY_STEP_MS) {
      return `delay #${index + 1} (${JSON.stringify(step.slice(0, 20))}) must be ${DURATION_HINT}, at most 7d`;
    }
    delays.push(ms);
  }
  return delays;
}

/** Comma-separated list; blanks dropped, so `"a, b,"` is `["a", "b"]` and `""` is `[]`. */
const list = z.pipe(
  z.optional(z.string()),
  z.transform((value: string | undefined) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  ),
);

/**
 * Bearer and static webhook tokens are passwords that travel in headers and URLs: short ones can be
 * guessed. 32 characters is what `openssl rand -base64 24` prints, and what `npm run dev` generates.
 */
export const MIN_TOKEN_LENGTH = 32;

/** A comma-separated list of tokens, each long enough; the message never repeats a value. */
const tokenList = list.check(z.refine((tokens) => tokens.every((token) => token.length >= MIN_TOKEN_LENGTH), {
  message: `must hold tokens of at least ${MIN_TOKEN_LENGTH} characters each (generate one with \`openssl rand -base64 24\`)`,
}));

const optionalString = z.pipe(
  z.optional(z.string()),
  z.transform((value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value.trim())),
);

/** An optional string with its default when unset or blank. */
const withDefault = (fallback: string) => z.pipe(optionalString, z.transform((value: string | undefined) => value ?? fallback));

/** True for an absolute http(s) URL: the only kind of destination the relay calls. */
export function isHttpUrl(value: string): boolean {
  return /^https?:\/\//i.test(value) && URL.canParse(value);
}

const httpUrl = optionalString.check(z.refine((value) => value === undefined || isHttpUrl(value), {
  message: "must be an absolute http(s) URL",
}));

const positiveNumber = (fallback: number) =>
  z.pipe(
    optionalString,
    // zod 4's numbers are finite: Infinity is refused with NaN.
    z.pipe(z.transform((value: string | undefined) => (value === undefined ? fallback : Number(value))), z.number().check(z.positive())),
  );

const envSchema = z.object({
  LANGGRAPH_API_URL: httpUrl,
  LANGSMITH_API_KEY: optionalString,
  TRIGGER_TOKEN: tokenList,
  INSPECTOR_TOKEN: tokenList,
  WEBHOOK_SECRET: list,
  WEBHOOK_TOKEN: tokenList,
  PUBLIC_URL: httpUrl,
  VERCEL: optionalString,
  VERCEL_ENV: optionalString,
  VERCEL_URL: optionalString,
  VERCEL_PROJECT_PRODUCTION_URL: optionalString,
  VERCEL_AUTOMATION_BYPASS_SECRET: optionalString,
  VERCEL_AUTOMATION_BYPASS_EVERYWHERE: optionalString,
  REDIS_URL: optionalString.check(z.refine((value) => value === undefined || /^rediss?:\/\//i.test(value), {
    message: "must be a redis:// or rediss:// URL",
  })),
  FORWARD_URL: httpUrl,
  FORWARD_SECRET: optionalString.check(z.refine((value) => value === undefined || value.startsWith("whsec_"), {
    message: "must be a Standard Webhooks secret starting with whsec_",
  })),
  SLACK_WEBHOOK_URL: httpUrl,
  SLACK_SIGNING_SECRET: optionalString,
  // How long a resume link (and a Slack button) stays valid after the run paused (lib/hitl).
  RESUME_LINK_TTL: withDefault(DEFAULT_RESUME_LINK_TTL).check(
    z.refine((value) => (parseDuration(value) ?? 0) >= 60_000, { message: `must be a duration of at least 1m: ${DURATION_HINT}` }),
  ),
  WEBHOOK_MAX_BYTES: positiveNumber(DEFAULT_WEBHOOK_MAX_BYTES),
  WEBHOOK_TOKEN_TTL_HOURS: positiveNumber(DEFAULT_RUN_TOKEN_TTL_HOURS),
  DELIVERY_RETENTION_DAYS: positiveNumber(DEFAULT_RETENTION_DAYS),
  MEMORY_STORE_MAX_DELIVERIES: positiveNumber(DEFAULT_MEMORY_MAX_DELIVERIES),
  MEMORY_STORE_MAX_AGE_HOURS: positiveNumber(DEFAULT_MEMORY_MAX_AGE_HOURS),
  MEMORY_STORE_MAX_MB: positiveNumber(DEFAULT_MEMORY_MAX_MB),
  STORED_PAYLOAD_MAX_KB: positiveNumber(DEFAULT_STORED_PAYLOAD_MAX_KB),
  REDACT_KEYS: list,
  // Comma-separated durations (lib/config/duration.ts); `0` retries nothing (every failure is final).
  RETRY_SCHEDULE: withDefault(DEFAULT_RETRY_SCHEDULE).check(
    z.superRefine((value, context) => {
      if (value === "0") return;
      const parsed = parseRetrySchedule(value);
      if (typeof parsed === "string") context.addIssue({ code: "custom", message: parsed });
    }),
  ),
  // A bearer token like TRIGGER_TOKEN, held to the same length (blank: only TRIGGER_TOKEN is accepted).
  CRON_SECRET: optionalString.check(z.refine((value) => value === undefined || value.length >= MIN_TOKEN_LENGTH, {
    message: `must be at least ${MIN_TOKEN_LENGTH} characters (generate one with \`openssl rand -base64 24\`)`,
  })),
  // A duration (lib/config/duration.ts), or `off`. Shorter than a second would ask LangGraph about
  // runs whose callback is merely on its way.
  RECONCILE_AFTER: withDefault(DEFAULT_RECONCILE_AFTER).check(
    z.refine((value) => value.toLowerCase() === "off" || (parseDuration(value) ?? 0) >= 1_000, {
      message: `must be off or a duration of at least 1s: ${DURATION_HINT}`,
    }),
  ),
});

export interface Config {
  langgraphApiUrl: string | undefined;
  langsmithApiKey: string | undefined;
  /** Bearer tokens for /api/trigger, /api/crons, /api/deliveries. Empty → those endpoints refuse. */
  triggerTokens: readonly string[];
  /** Read-only bearer tokens: list and read deliveries (the inspector), nothing else. */
  inspectorTokens: readonly string[];
  /** HMAC keys for minted webhook tokens: the first signs, all verify. */
  webhookSecrets: readonly string[];
  /** Static webhook tokens accepted as `?token=` or `Authorization: Bearer`. */
  webhookTokens: readonly string[];
  publicUrl: string | undefined;
  /** Set when running on Vercel (`VERCEL=1`). */
  onVercel: boolean;
  vercelEnv: string | undefined;
  /**
   * The deployment environment minted tokens name and Redis keys are namespaced by: VERCEL_ENV
   * (`production`, `preview`, `development`), `production` when unset (self-hosted).
   */
  deploymentEnvironment: string;
  vercelUrl: string | undefined;
  vercelProductionUrl: string | undefined;
  bypassSecret: string | undefined;
  /** Append the bypass secret on every deployment, production included (VERCEL_AUTOMATION_BYPASS_EVERYWHERE=1). */
  bypassEverywhere: boolean;
  redisUrl: string | undefined;
  forwardUrl: string | undefined;
  forwardSecret: string | undefined;
  slackWebhookUrl: string | undefined;
  webhookMaxBytes: number;
  runTokenTtlSeconds: number;
  retentionSeconds: number;
  memoryMaxDeliveries: number;
  memoryMaxAgeSeconds: number;
  /** Byte budget of the memory store: the oldest records go while the records' JSON is over it. */
  memoryMaxBytes: number;
  /** A payload over this many bytes (of JSON) is stored cut, with what was cut marked. */
  storedPayloadMaxBytes: number;
  /**
   * Extra payload keys whose values are redacted, on top of the built-in rule (lib/model/redaction.ts):
   * whole keys, case-insensitive, `-` and `_` alike. Empty by default.
   */
  redactKeys: readonly string[];
  /**
   * How long after a run started through /api/trigger the sweep asks LangGraph about it when no
   * callback came (RECONCILE_AFTER); undefined when reconciliation is off.
   */
  reconcileAfterMs: number | undefined;
  /** Delays before each retry of an action, in ms (RETRY_SCHEDULE); empty: no retries. */
  retrySchedule: readonly number[];
  /** Bearer token(s) Vercel Cron sends to /api/sweep (CRON_SECRET); TRIGGER_TOKEN is accepted too. */
  cronSecrets: readonly string[];
  /** Verifies Slack's interactivity requests to /api/slack; set, run.paused messages carry Approve / Reject. */
  slackSigningSecret: string | undefined;
  /** How long a resume link or Slack button stays valid after the run paused, in ms (RESUME_LINK_TTL). */
  resumeLinkTtlMs: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The credentials alone: what the relay needs to tell an authenticated caller from anyone else. */
export type AuthSettings = Pick<Config, "triggerTokens" | "inspectorTokens" | "webhookSecrets" | "webhookTokens"> & {
  deploymentEnvironment?: string | undefined;
};

const authSchema = z.object({ TRIGGER_TOKEN: list, INSPECTOR_TOKEN: list, WEBHOOK_SECRET: list, WEBHOOK_TOKEN: list, VERCEL_ENV: optionalString });

/**
 * Reads the credentials even when the rest of the environment is invalid, so that a configuration
 * error is explained to authenticated callers only (lib/handlers/quiet-errors.ts). Never throws.
 */
export function loadAuthSettings(env: Env): AuthSettings {
  const e = authSchema.parse(env);
  return {
    triggerTokens: e.TRIGGER_TOKEN,
    inspectorTokens: e.INSPECTOR_TOKEN,
    webhookSecrets: e.WEBHOOK_SECRET,
    webhookTokens: e.WEBHOOK_TOKEN,
    // A token of another environment is refused here too: it learns nothing the relay would refuse it.
    deploymentEnvironment: e.VERCEL_ENV ?? "production",
  };
}

/** Parses the environment. Throws a 500 `not_configured` RelayError naming each invalid variable. */
export function loadConfig(env: Env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new RelayError(500, "not_configured", `Invalid configuration: ${describeIssuesAsSentences(parsed.error, { root: "environment", max: 20 })}.`);
  }
  const e = parsed.data;
  return {
    langgraphApiUrl: e.LANGGRAPH_API_URL,
    langsmithApiKey: e.LANGSMITH_API_KEY,
    triggerTokens: e.TRIGGER_TOKEN,
    inspectorTokens: e.INSPECTOR_TOKEN,
    webhookSecrets: e.WEBHOOK_SECRET,
    webhookTokens: e.WEBHOOK_TOKEN,
    publicUrl: e.PUBLIC_URL,
    onVercel: e.VERCEL === "1",
    vercelEnv: e.VERCEL_ENV,
    deploymentEnvironment: e.VERCEL_ENV ?? "production",
    vercelUrl: e.VERCEL_URL,
    vercelProductionUrl: e.VERCEL_PROJECT_PRODUCTION_URL,
    bypassSecret: e.VERCEL_AUTOMATION_BYPASS_SECRET,
    bypassEverywhere: e.VERCEL_AUTOMATION_BYPASS_EVERYWHERE === "1" || e.VERCEL_AUTOMATION_BYPASS_EVERYWHERE === "true",
    redisUrl: e.REDIS_URL,
    forwardUrl: e.FORWARD_URL,
    forwardSecret: e.FORWARD_SECRET,
    slackWebhookUrl: e.SLACK_WEBHOOK_URL,
    webhookMaxBytes: Math.floor(e.WEBHOOK_MAX_BYTES),
    runTokenTtlSeconds: Math.round(e.WEBHOOK_TOKEN_TTL_HOURS * 3600),
    retentionSeconds: Math.round(e.DELIVERY_RETENTION_DAYS * 86_400),
    memoryMaxDeliveries: Math.floor(e.MEMORY_STORE_MAX_DELIVERIES),
    memoryMaxAgeSeconds: Math.round(e.MEMORY_STORE_MAX_AGE_HOURS * 3600),
    memoryMaxBytes: Math.floor(e.MEMORY_STORE_MAX_MB * 2 ** 20),
    storedPayloadMaxBytes: Math.floor(e.STORED_PAYLOAD_MAX_KB * 1024),
    redactKeys: e.REDACT_KEYS,
    reconcileAfterMs: e.RECONCILE_AFTER.toLowerCase() === "off" ? undefined : parseDuration(e.RECONCILE_AFTER),
    retrySchedule: e.RETRY_SCHEDULE === "0" ? [] : (parseRetrySchedule(e.RETRY_SCHEDULE) as number[]),
    cronSecrets: e.CRON_SECRET === undefined ? [] : [e.CRON_SECRET],
    slackSigningSecret: e.SLACK_SIGNING_SECRET,
    resumeLinkTtlMs: parseDuration(e.RESUME_LINK_TTL) as number,
  };
}
