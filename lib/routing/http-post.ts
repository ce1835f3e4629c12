// What the forward and Slack actions share: one POST per attempt to a configured URL, its answer
// classified for the runner (2xx succeeds; 408, 429 and 5xx are retryable, with Retry-After; other
// answers are final), and failures described without the URL's secrets.
import { isHttpUrl } from "../config/env.js";
import type { RunEvent } from "../model/events.js";
import { scrub } from "../shared/scrub.js";
import type { Action, AttemptResult } from "./action.js";
import { defineAction } from "./action.js";
import type { ActionContext } from "./context.js";
import { ActionError, FinalError } from "./errors.js";
import type { RetryOptions } from "./retry-policy.js";

/** The secret-free name of an endpoint for messages: its origin only (paths and queries can hold tokens). */
export function endpointLabel(url: string): string {
  return URL.canParse(url) ? new URL(url).origin : "(invalid URL)";
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const SNIPPET_BYTES = 200;

/** Reads at most a few hundred bytes of a response body (to explain a failure), then lets go of it. */
async function snippet(response: Response): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // A body that breaks off still leaves the status to report.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, SNIPPET_BYTES));
  return text.replace(/\s+/g, " ").trim();
}

export interface PostOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** How messages name the endpoint, e.g. `Slack` or the forward URL's origin. */
  label: string;
  /** Strings that must never appear in an error message (the URL itself, keys). */
  secrets: readonly (string | undefined)[];
}

/**
 * POSTs once and classifies the answer: 2xx succeeds; 408, 429 and 5xx are retryable (with
 * Retry-After); redirects are not followed and, like other 4xx, are final. Network failures are
 * retryable. The request never goes anywhere but `url`.
 */
export async function postOnce(options: PostOptions, context: ActionContext): Promise<AttemptResult> {
  const { signal } = context;
  let response: Response;
  try {
    response = await context.fetch(options.url, {
      method: "POST",
      headers: options.headers,
      body: options.body,
      signal,
      // A redirect could carry a signed delivery to a host nobody configured.
      redirect: "manual",
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new ActionError(`${options.label} could not be reached: ${networkReason(error, options.secrets)}`, {
      retryable: true,
      cause: error,
    });
  }
  const status = response.status;
  if (status >= 200 && status < 300) {
    await response.body?.cancel().catch(() => undefined);
    return { http_status: status };
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  const detail = scrub(await snippet(response), options.secrets);
  const redirect = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
  throw new ActionError(`${options.label} answered ${status}${redirect}${detail === "" ? "" : `: ${detail}`}`, {
    retryable,
    httpStatus: status,
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), context.now()),
  });
}

/** `fetch failed` says nothing; its cause (ECONNREFUSED, ENOTFOUND, …) does. */
function networkReason(error: unknown, secrets: readonly (string | undefined)[]): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const parts: string[] = [];
  if (error instanceof Error) parts.push(error.message);
  if (cause instanceof Error) parts.push(cause.message);
  return scrub(parts.join(": ") || "unknown network error", secrets);
}

export interface PostActionSpec {
  /** Also the action's default name. */
  type: "forward" | "slack";
  /** How load-time errors name the kind of action, e.g. `Slack action`. */
  kind: string;
  /** The routes file's options; `url` a configured value only, never one taken from a request or a payload. */
  options: { name?: string | undefined; url: string | undefined; retry?: RetryOptions | undefined };
  /** The FinalError message of an attempt when no URL is configured. */
  missingUrl: string;
  /** The environment's own actions (`env:` names). */
  internal: boolean;
  /** The request of one attempt, to `url`. */
  request: (event: RunEvent, context: ActionContext, url: string) => Promise<PostOptions> | PostOptions;
}

/**
 * An action that POSTs once per attempt. A URL that is present but wrong is a mistake in the routes
 * file and is refused when it loads; a missing one fails each attempt (closed, never sent anywhere).
 */
export function postAction(spec: PostActionSpec): Action {
  const { url, retry } = spec.options;
  const name = spec.options.name ?? spec.type;
  if (url !== undefined && !isHttpUrl(url)) throw new TypeError(`${spec.kind} "${name}": url must be an absolute http(s) URL.`);
  return defineAction<RunEvent>(
    {
      type: spec.type,
      name,
      retry,
      attempt: async (event, context) => {
        if (url === undefined) throw new FinalError(spec.missingUrl);
        return postOnce(await spec.request(event, context, url), context);
      },
    },
    { internal: spec.internal },
  );
}
