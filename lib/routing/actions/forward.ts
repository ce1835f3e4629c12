// The forward action: POSTs `{"type": <event>, "run": <redacted payload>}` to a configured URL,
// signed as a Standard Webhooks message so that the receiver can verify it with any Standard Webhooks
// library. `webhook-id` is stable for a delivery and action — across retries and replays — so that
// receivers can drop repeats; the timestamp and signature are fresh on every attempt. A `run.paused`
// body also carries `resume_url` (beside `type` and `run`): a signed, expiring, one-time link to
// POST /api/resume (lib/hitl) — the same on every attempt, and never holding a token of the relay.
import type { Action } from "../action.js";
import { internalsOf, type ActionContext } from "../context.js";
import { hasPublicUrl, publicBaseUrl } from "../../config/public-url.js";
import { pausedAtMs, resumeUrl, signReference } from "../../hitl/references.js";
import { isPausedEvent } from "../../model/events.js";
import { FinalError } from "../errors.js";
import { endpointLabel, postAction } from "../http-post.js";
import type { RunEvent } from "../../model/events.js";
import type { RetryOptions } from "../retry-policy.js";

export interface ForwardOptions {
  /** Unique across the routes file. @default "forward" */
  name?: string;
  /** Where to POST. A configured value only — never a URL taken from a request or a payload. */
  url: string | undefined;
  /** Standard Webhooks secret (`whsec_…`). Without one nothing is sent: deliveries are never unsigned. */
  secret: string | undefined;
  /** Extra request headers (e.g. an API key the receiver wants). */
  headers?: Record<string, string>;
  retry?: RetryOptions;
}

/** The body a forward sends. */
export interface ForwardBody {
  type: string;
  run: RunEvent["run"];
  /** run.paused only: POST `{"resume": …}` here to resume the run (once; it expires after RESUME_LINK_TTL). */
  resume_url?: string;
}

/** The resume link of a run.paused event, when the deployment can sign one and knows its address. */
function resumeUrlFor(event: RunEvent, context: ActionContext): string | undefined {
  if (!isPausedEvent(event)) return undefined;
  const { config } = internalsOf(context).runtime;
  if (config.webhookSecrets.length === 0 || !hasPublicUrl(config)) return undefined;
  // Counted from the run's end, so that every attempt sends the same link (and the same body).
  const reference = signReference("link", config.webhookSecrets, {
    deliveryId: event.delivery_id,
    pausedAtMs: pausedAtMs(event.run, context.now()),
    ttlMs: config.resumeLinkTtlMs,
  });
  return resumeUrl(publicBaseUrl(config), reference);
}

/** Messages for an incomplete configuration, so the environment defaults can name their variables. */
export interface ForwardMessages {
  missingUrl: string;
  missingSecret: string;
}

/** `msg_<delivery id>_<action name>`: the same for every attempt and replay of one delivery's action. */
export function forwardMessageId(deliveryId: string, actionName: string): string {
  return `msg_${deliveryId}_${actionName}`;
}

/** Forwards every event it is given to `url`, signed with `secret`. */
export function forward(options: ForwardOptions): Action {
  const name = options.name ?? "forward";
  return forwardAction(options, {
    missingUrl: `not_configured: forward action "${name}" has no URL; nothing was sent.`,
    missingSecret: `not_configured: forward action "${name}" has no secret (whsec_…); nothing was sent, deliveries are never unsigned.`,
  });
}

export function forwardAction(options: ForwardOptions, messages: ForwardMessages, internal = false): Action {
  const { secret } = options;
  return postAction({
    type: "forward",
    kind: "forward action",
    options,
    missingUrl: messages.missingUrl,
    internal,
    request: async (event, context, url) => {
      if (secret === undefined) throw new FinalError(messages.missingSecret);
      const link = resumeUrlFor(event, context);
      const body = JSON.stringify({ type: event.type, run: event.run, ...(link === undefined ? {} : { resume_url: link }) } satisfies ForwardBody);
      const id = forwardMessageId(context.delivery_id, context.action);
      const timestamp = new Date(context.now());
      // Loaded here, not at the top: the receiver's hot path never signs anything.
      const { Webhook } = await import("standardwebhooks");
      let signature: string;
      try {
        signature = new Webhook(secret).sign(id, timestamp, body);
      } catch {
        throw new FinalError(`not_configured: the secret of forward action "${context.action}" is not a valid Standard Webhooks secret (whsec_<base64>).`);
      }
      return {
        url,
        body,
        headers: {
          ...options.headers,
          "content-type": "application/json",
          "user-agent": "langgraph-relay",
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
          "webhook-signature": signature,
        },
        label: `Forward endpoint ${endpointLabel(url)}`,
        secrets: [url, secret, ...Object.values(options.headers ?? {})],
      };
    },
  });
}
