// The Slack action: posts a readable message to a Slack incoming webhook — what ran (assistant,
// graph), how it ended, how long it took, the thread and run ids, the error's message, and for
// `run.paused` what the run is waiting for — and, when SLACK_SIGNING_SECRET is set, Approve and
// Reject buttons (action ids `approve` and `reject`) whose clicks come back to /api/slack (lib/hitl).
// A button's value is a signed reference to the paused delivery, never a token. The webhook URL is
// itself the credential: it never appears in a record or a log.
import type { Action } from "../action.js";
import { internalsOf } from "../context.js";
import { pausedAtMs, signReference } from "../../hitl/references.js";
import { APPROVE_ACTION_ID, REJECT_ACTION_ID, renderInterrupt, summariseInterrupt } from "../../hitl/render.js";
import { postAction } from "../http-post.js";
import type { RunEvent } from "../../model/events.js";
import { isPausedEvent } from "../../model/events.js";
import type { RetryOptions } from "../retry-policy.js";

export interface SlackOptions {
  /** Unique across the routes file. @default "slack" */
  name?: string;
  /** The incoming webhook URL (`https://hooks.slack.com/services/…`). */
  url: string | undefined;
  retry?: RetryOptions;
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export type SlackBlock =
  | { type: "header"; text: { type: "plain_text"; text: string; emoji: true } }
  | { type: "section"; text?: { type: "mrkdwn"; text: string }; fields?: { type: "mrkdwn"; text: string }[] }
  | { type: "context"; elements: { type: "mrkdwn"; text: string }[] }
  | { type: "actions"; block_id: string; elements: SlackButton[] };

export interface SlackButton {
  type: "button";
  action_id: typeof APPROVE_ACTION_ID | typeof REJECT_ACTION_ID;
  text: { type: "plain_text"; text: string; emoji: true };
  style: "primary" | "danger";
  /** A signed reference to the paused delivery (lib/hitl/references.ts). */
  value: string;
}

export interface SlackMessageOptions {
  /** For run.paused: the signed reference the Approve / Reject buttons carry; no buttons without it. */
  approval?: string | undefined;
}

/** Slack's limits: 150 characters in a header, 3000 in a section's text, 2000 in a field. */
const HEADER_MAX = 150;
const SECTION_MAX = 2900;
const FIELD_MAX = 1900;

const HEADLINES: Record<string, { emoji: string; verb: string }> = {
  "run.success": { emoji: ":white_check_mark:", verb: "succeeded" },
  "run.error": { emoji: ":x:", verb: "failed" },
  "run.timeout": { emoji: ":hourglass:", verb: "timed out" },
  "run.interrupted": { emoji: ":octagonal_sign:", verb: "was interrupted" },
  "run.rollback": { emoji: ":leftwards_arrow_with_hook:", verb: "was rolled back" },
  "run.paused": { emoji: ":raised_hand:", verb: "is waiting for a human" },
};

/** Slack reads `&`, `<` and `>` as markup. */
function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A preformatted block that the content cannot break out of. */
function codeBlock(text: string, max: number): string {
  return `\`\`\`${truncate(escape(text).replace(/```/g, "ˋˋˋ"), max - 8)}\`\`\``;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "unknown";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/** The message for one event: `text` for notifications, `blocks` for the channel. */
export function slackMessage(event: RunEvent, options: SlackMessageOptions = {}): SlackMessage {
  const headline = HEADLINES[event.type] ?? { emoji: ":grey_question:", verb: `ended with status ${event.status}` };
  const who = event.graph_id ?? event.assistant_id;
  const title = `Run of ${who} ${headline.verb}`;
  const field = (label: string, value: string) => ({ type: "mrkdwn" as const, text: truncate(`*${label}*\n${value}`, FIELD_MAX) });
  const code = (value: string) => `\`${escape(value)}\``;

  const fields = [
    field("Assistant", code(event.assistant_id)),
    field("Graph", event.graph_id === undefined ? "unknown" : code(event.graph_id)),
    field("Status", `${code(event.status)} (${escape(event.type)})`),
    field("Duration", formatDuration(event.duration_ms)),
    field("Thread", code(event.thread_id)),
    field("Run", code(event.run_id)),
  ];
  if (event.route !== undefined) fields.push(field("Route", code(event.route)));

  const blocks: SlackBlock[] = [
    { type: "header", text: { type: "plain_text", text: truncate(`${title}`, HEADER_MAX), emoji: true } },
    { type: "section", fields },
  ];
  let summary = "";
  if (event.error !== undefined) {
    summary = event.error;
    blocks.push({ type: "section", text: { type: "mrkdwn", text: `*Error*\n${codeBlock(event.error, SECTION_MAX)}` } });
  }
  if (isPausedEvent(event)) {
    // Each interrupt readable (lib/hitl/render.ts): the question, the tool calls to approve, the rest as JSON.
    const count = Math.max(1, event.interrupts.length);
    const waiting = event.interrupts.map((interrupt) => renderInterrupt(interrupt.value, Math.floor((SECTION_MAX - 20) / count) - 2));
    const what = waiting.length > 0 ? waiting.join("\n\n") : codeBlock(`next: ${event.next.join(", ") || "unknown"}`, SECTION_MAX);
    summary = event.interrupts.length > 0 ? truncate(event.interrupts.map((interrupt) => summariseInterrupt(interrupt.value)).join(" | ").replace(/\s+/g, " "), 200) : `next: ${event.next.join(", ") || "unknown"}`;
    blocks.push({ type: "section", text: { type: "mrkdwn", text: `*Waiting for*\n${what}` } });
    if (options.approval !== undefined) {
      const button = (action_id: SlackButton["action_id"], text: string, style: SlackButton["style"]): SlackButton => ({
        type: "button",
        action_id,
        text: { type: "plain_text", text, emoji: true },
        style,
        value: options.approval as string,
      });
      blocks.push({ type: "actions", block_id: "relay_decision", elements: [button(APPROVE_ACTION_ID, "Approve", "primary"), button(REJECT_ACTION_ID, "Reject", "danger")] });
    }
  }
  const context = [`delivery \`${escape(event.delivery_id)}\``];
  if (event.ended_at !== undefined) context.push(`ended ${escape(event.ended_at)}`);
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: context.join(" · ") }] });

  const text = `${headline.emoji} ${escape(title)}${summary === "" ? "" : `: ${escape(truncate(summary, 300))}`}`;
  return { text, blocks };
}

/**
 * The signed reference of a run.paused message's buttons, when the deployment can take their clicks
 * (SLACK_SIGNING_SECRET and WEBHOOK_SECRET set); undefined otherwise, and for every other event.
 */
function approvalFor(event: RunEvent, context: Parameters<typeof internalsOf>[0]): string | undefined {
  if (!isPausedEvent(event)) return undefined;
  const { config } = internalsOf(context).runtime;
  if (config.slackSigningSecret === undefined || config.webhookSecrets.length === 0) return undefined;
  return signReference("slack", config.webhookSecrets, {
    deliveryId: event.delivery_id,
    pausedAtMs: pausedAtMs(event.run, context.now()),
    ttlMs: config.resumeLinkTtlMs,
  });
}

/** Posts each event it is given to a Slack incoming webhook. */
export function slack(options: SlackOptions): Action {
  return slackAction(options, `not_configured: Slack action "${options.name ?? "slack"}" has no webhook URL; nothing was sent.`);
}

export function slackAction(options: SlackOptions, missingUrl: string, internal = false): Action {
  return postAction({
    type: "slack",
    kind: "Slack action",
    options,
    missingUrl,
    internal,
    request: (event, context, url) => ({
      url,
      body: JSON.stringify(slackMessage(event, { approval: approvalFor(event, context) })),
      headers: { "content-type": "application/json", "user-agent": "langgraph-relay" },
      // The path of a Slack webhook URL is its secret: name the service, not the URL.
      label: "Slack",
      secrets: [url],
    }),
  });
}
