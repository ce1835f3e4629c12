// The forward action: POSTs `{"type": <event>, "run": <redacted payload>}` to a configured URL,
// signed as a Standard Webhooks message so that the receiver can verify it with any Standard Webhooks
// library. `webhook-id` is stable for a delivery and action — across retries and replays — so that
// receivers can drop repeats; the timestamp and signature are fresh on every attempt.
import type { Action } from "../action.js";
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
      const body = JSON.stringify({ type: event.type, run: event.run } satisfies ForwardBody);
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
