// What the relay removes from a Run payload before it is stored (30 days by default), listed by
// /api/deliveries, logged or forwarded: the webhook URL's token and bypass secret, and every value
// under a secret-looking key at any depth of `kwargs.config`, `kwargs.context`, `kwargs.metadata`
// and the payload's `metadata` (LangGraph echoes request headers there, and callers put API keys
// there). Graph input and state (`kwargs.input`, `kwargs.command`, `values`) are the user's data and
// are never redacted by key: a state field may well be called `token`.
import { asRecord } from "../shared/json.js";
import { REDACTED } from "../shared/scrub.js";
import type { RunPayload } from "./run-payload.js";

export { REDACTED };

// ---------------------------------------------------------------------------------------------
// The webhook URL

/** Query parameters of the webhook URL that carry secrets. */
const SECRET_QUERY_PARAMS = ["token", "x-vercel-protection-bypass"];

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

// ---------------------------------------------------------------------------------------------
// Which keys are secret
//
// The rule (also in SECURITY.md, "Redaction"): split the key into words at every character that is
// not a letter or digit (`_`, `-`, `.`, space …) and at camelCase boundaries, lowercased. The key is
// secret when
//   - a word equals or ends with one of SECRET_STEMS (so `x-auth-token`, `accessToken`, `accesstoken`,
//     `Set-Cookie`, `client_secret`, `OPENAI_APIKEY` are secret), or
//   - two adjacent words joined equal one of SECRET_STEMS (`api_key`, `x-api-key`, `openaiApiKey`,
//     `private-key`, `access_tokens`),
// unless it is one of the ids LangGraph sets (SAFE_KEYS). Plural `tokens` alone is a count, not a
// credential, so `max_tokens` and `total_tokens` are kept; singular `token` is always secret, so
// `token_count` is redacted too — the rule errs towards hiding. A key named only `key` is kept
// (`cache_key`, `sort_key`): only the credential kinds below make a key a secret.

const SECRET_STEMS: ReadonlySet<string> = new Set([
  "authorization",
  "cookie",
  "cookies",
  "token",
  "secret",
  "secrets",
  "password",
  "passwords",
  "passwd",
  "pwd",
  "passphrase",
  "credential",
  "credentials",
  "signature",
  "signatures",
  "bearer",
  "jwt",
  "apikey",
  "apikeys",
  "accesskey",
  "privatekey",
  "signingkey",
  "encryptionkey",
  "sshkey",
  "accesstokens",
  "refreshtokens",
  "authtokens",
  "apitokens",
  "sessiontokens",
]);

/** Ids LangGraph itself sets, which the relay reads: never redacted, not even by REDACT_KEYS. */
const SAFE_KEYS: ReadonlySet<string> = new Set(["assistant_id", "thread_id", "run_id", "graph_id", "checkpoint_id", "cron_id"]);

/** The words of a key: `openaiAPIKey` → openai, api, key; `x-api-key` → x, api, key. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

function endsWithStem(word: string): boolean {
  if (SECRET_STEMS.has(word)) return true;
  for (const stem of SECRET_STEMS) if (word.length > stem.length && word.endsWith(stem)) return true;
  return false;
}

function matchesSecretRule(key: string): boolean {
  const words = keyWords(key);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (endsWithStem(word)) return true;
    const next = words[i + 1];
    if (next !== undefined && SECRET_STEMS.has(word + next)) return true;
  }
  return false;
}

/** How a REDACT_KEYS entry and a payload key are compared: case-insensitive, `-` the same as `_`. */
export function normaliseKeyName(key: string): string {
  return key.trim().toLowerCase().replaceAll("-", "_");
}

// Keys repeat from callback to callback (the same headers, the same config), so the rule's verdicts
// are remembered; the bound keeps a stream of unique keys from growing the cache without end.
const VERDICT_CACHE_LIMIT = 4096;
const verdicts = new Map<string, boolean>();

function isBuiltInSecret(key: string): boolean {
  const known = verdicts.get(key);
  if (known !== undefined) return known;
  const verdict = !SAFE_KEYS.has(normaliseKeyName(key)) && matchesSecretRule(key);
  if (verdicts.size >= VERDICT_CACHE_LIMIT) verdicts.clear();
  verdicts.set(key, verdict);
  return verdict;
}

// The extra names are the same array on every call (config.redactKeys), so their normalised set is
// built once per array.
const extraSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** The test for one payload: the built-in rule, plus whole-key matches of the extra names. */
export function secretKeyTest(extraKeys: readonly string[] = []): (key: string) => boolean {
  if (extraKeys.length === 0) return isBuiltInSecret;
  let extra = extraSets.get(extraKeys);
  if (extra === undefined) {
    extra = new Set(extraKeys.map(normaliseKeyName).filter((name) => name.length > 0 && !SAFE_KEYS.has(name)));
    extraSets.set(extraKeys, extra);
  }
  const names = extra;
  return (key) => isBuiltInSecret(key) || names.has(normaliseKeyName(key));
}

// ---------------------------------------------------------------------------------------------
// The walk

/**
 * Deepest level the walk descends to. The receiver refuses bodies nested deeper than 1,000, so only
 * payloads from elsewhere (a cron's, listed from LangGraph) reach it; what lies below is replaced
 * whole (fail closed), which also ends the walk on a cyclic object.
 */
export const MAX_REDACTION_DEPTH = 1000;

type Container = Record<string, unknown> | unknown[];

interface Frame {
  readonly container: Container;
  /** The object's own keys; undefined for an array, whose positions are never secret. */
  readonly keys: readonly string[] | undefined;
  readonly length: number;
  next: number;
  /** The values by position with the changes made, created on the first change only. */
  changed: unknown[] | undefined;
}

function isContainer(value: unknown): value is Container {
  return typeof value === "object" && value !== null;
}

function frameOf(container: Container): Frame {
  if (Array.isArray(container)) return { container, keys: undefined, length: container.length, next: 0, changed: undefined };
  const keys = Object.keys(container);
  return { container, keys, length: keys.length, next: 0, changed: undefined };
}

function valueAt(frame: Frame, position: number): unknown {
  const { container, keys } = frame;
  // An own `__proto__` key (JSON.parse makes one) shadows the accessor, so this reads the data.
  return keys === undefined ? (container as unknown[])[position] : (container as Record<string, unknown>)[keys[position]!];
}

function change(frame: Frame, position: number, value: unknown): void {
  if (frame.changed === undefined) {
    frame.changed = [];
    for (let i = 0; i < frame.length; i++) frame.changed.push(valueAt(frame, i));
  }
  frame.changed[position] = value;
}

/** The frame's container when nothing under it changed, else a copy with the changes. */
function rebuild(frame: Frame): Container {
  const { changed, keys } = frame;
  if (changed === undefined) return frame.container;
  if (keys === undefined) return changed;
  // Object.fromEntries defines own properties, so a `__proto__` key stays data, never a prototype.
  return Object.fromEntries(keys.map((key, position) => [key, changed[position]]));
}

/**
 * Replaces the value of every secret key under `root`, at any depth, through objects and arrays.
 * Iterative (a deep object cannot exhaust the stack) and linear; an object or array with nothing
 * secret under it is returned as it is, not copied, so a payload without secrets costs one pass.
 */
export function redactTree(root: unknown, isSecret: (key: string) => boolean): unknown {
  if (!isContainer(root)) return root;
  const stack: Frame[] = [frameOf(root)];
  for (;;) {
    const frame = stack[stack.length - 1]!;
    if (frame.next < frame.length) {
      const position = frame.next++;
      const key = frame.keys?.[position];
      const value = valueAt(frame, position);
      if (key !== undefined && isSecret(key)) {
        if (value !== REDACTED) change(frame, position, REDACTED);
      } else if (isContainer(value)) {
        if (stack.length >= MAX_REDACTION_DEPTH) change(frame, position, REDACTED);
        else stack.push(frameOf(value));
      }
      continue;
    }
    stack.pop();
    const rebuilt = rebuild(frame);
    const parent = stack[stack.length - 1];
    if (parent === undefined) return rebuilt;
    if (rebuilt !== frame.container) change(parent, parent.next - 1, rebuilt);
  }
}

// ---------------------------------------------------------------------------------------------
// The payload

/** The parts of `kwargs` walked by key. */
const REDACTED_KWARGS = ["config", "context", "metadata"] as const;

/**
 * The payload as the relay keeps it: the webhook URL's token and bypass secret removed, and every
 * value under a secret key (the rule above, plus `extraKeys`, i.e. REDACT_KEYS) in `kwargs.config`,
 * `kwargs.context`, `kwargs.metadata` and `metadata` replaced by "[redacted]". Everything else is
 * kept as received; the payload itself is returned when nothing needed redacting.
 */
export function redactPayload(payload: RunPayload, extraKeys: readonly string[] = []): RunPayload {
  const isSecret = secretKeyTest(extraKeys);
  let result = payload;

  const metadata = redactTree(payload.metadata, isSecret);
  if (metadata !== payload.metadata) result = { ...result, metadata: metadata as Record<string, unknown> };

  const kwargs = asRecord(payload.kwargs);
  if (kwargs === undefined) return result;
  let redactedKwargs: Record<string, unknown> | undefined;
  const webhook = kwargs["webhook"];
  if (typeof webhook === "string") {
    const redactedUrl = redactUrl(webhook);
    if (redactedUrl !== webhook) (redactedKwargs ??= { ...kwargs })["webhook"] = redactedUrl;
  }
  for (const field of REDACTED_KWARGS) {
    const value = kwargs[field];
    const redacted = redactTree(value, isSecret);
    if (redacted !== value) (redactedKwargs ??= { ...kwargs })[field] = redacted;
  }
  return redactedKwargs === undefined ? result : { ...result, kwargs: redactedKwargs };
}
