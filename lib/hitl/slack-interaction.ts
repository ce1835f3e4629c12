// What /api/slack reads from an interactivity request once its signature verified — the button
// clicked, who clicked, the signed reference in its value, and `response_url` — and what it posts
// back to `response_url` afterwards: the original message with its buttons replaced by who decided,
// when and what, or why nothing was resumed. `response_url` is the one outgoing address taken from a
// request, so it is held to Slack's own host (https://hooks.slack.com/…): a payload that names any
// other — a forged one, or Slack's with a changed field — gets nothing sent anywhere.
import * as z from "zod";
import { badRequest } from "../shared/errors.js";
import type { DecisionRecord } from "../model/delivery.js";
import { describeIssues } from "../shared/zod-issues.js";
import type { Decision } from "./resume-values.js";

import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from "./render.js";

export { APPROVE_ACTION_ID, REJECT_ACTION_ID };

const blockActions = z.looseObject({
  type: z.literal("block_actions"),
  user: z.looseObject({ id: z.string().max(64), username: z.string().max(128).optional(), name: z.string().max(128).optional() }),
  actions: z.array(z.looseObject({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).max(25),
  response_url: z.string().max(2048),
  message: z.looseObject({ blocks: z.array(z.unknown()).max(100).optional(), text: z.string().optional() }).optional(),
});

export interface SlackClick {
  decision: Decision;
  /** The button's value: a signed reference to the paused delivery. */
  reference: string;
  userId: string;
  userName: string;
  responseUrl: URL;
  /** The message the button was on (Slack sends it back), to rewrite without its buttons. */
  blocks: unknown[];
}

/** True for Slack's own response URLs: https, hooks.slack.com, no credentials, the default port. */
export function isSlackResponseUrl(url: URL): boolean {
  return url.protocol === "https:" && url.hostname === "hooks.slack.com" && url.port === "" && url.username === "" && url.password === "";
}

export interface ParseOptions {
  /** Test-only: another response_url host a test's fake Slack listens on. Never set in production. */
  allowResponseUrl?: ((url: URL) => boolean) | undefined;
}

/**
 * The click in a form-encoded interactivity request, or undefined when the request is not a click on
 * one of our buttons (Slack's `ssl_check`, another kind of interaction): those are acknowledged and
 * ignored. 400 for a body that is not a form with a JSON `payload`, or a response_url not Slack's.
 */
export function parseSlackClick(body: string, options: ParseOptions = {}): SlackClick | undefined {
  const form = new URLSearchParams(body);
  if (form.has("ssl_check")) return undefined;
  const raw = form.get("payload");
  if (raw === null) throw badRequest("invalid_body", "Expected a form body with a `payload` field (Slack's interactivity request).");
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw badRequest("invalid_json", "The `payload` field is not valid JSON.");
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("invalid_body", "The `payload` field is not a JSON object.");
  if (type !== "block_actions") return undefined;
  const parsed = blockActions.safeParse(value);
  if (!parsed.success) throw badRequest("invalid_body", `Not a Slack block_actions payload: ${describeIssues(parsed.error)}.`);
  const action = parsed.data.actions.find((candidate) => candidate.action_id === APPROVE_ACTION_ID || candidate.action_id === REJECT_ACTION_ID);
  if (action === undefined) return undefined;
  if (action.value === undefined || action.value === "") throw badRequest("invalid_body", "The button carries no value.");
  const responseUrl = URL.canParse(parsed.data.response_url) ? new URL(parsed.data.response_url) : undefined;
  if (responseUrl === undefined || !(isSlackResponseUrl(responseUrl) || options.allowResponseUrl?.(responseUrl) === true)) {
    throw badRequest("invalid_body", "response_url is not a Slack URL (https://hooks.slack.com/…): nothing is sent there.");
  }
  const { user } = parsed.data;
  return {
    decision: action.action_id === APPROVE_ACTION_ID ? "approve" : "reject",
    reference: action.value,
    userId: user.id,
    userName: user.username ?? user.name ?? user.id,
    responseUrl,
    blocks: parsed.data.message?.blocks ?? [],
  };
}

/** Slack reads `&`, `<` and `>` as markup. */
const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A Slack user mention, or the escaped name when the id is not one Slack issues. */
const mention = (click: Pick<SlackClick, "userId" | "userName">): string => (/^[UW][A-Z0-9]{2,30}$/.test(click.userId) ? `<@${click.userId}>` : escape(click.userName));

function verdict(decision: DecisionRecord["decision"]): string {
  return decision === "approve" ? ":white_check_mark: *Approved*" : decision === "reject" ? ":no_entry_sign: *Rejected*" : ":pencil: *Answered*";
}

/** The original message without its buttons, plus `lines` as a closing section. */
function rewritten(click: SlackClick, lines: string[], text: string): Record<string, unknown> {
  const kept = click.blocks.filter((block) => (block as { type?: unknown } | null)?.type !== "actions").slice(0, 45);
  return {
    replace_original: true,
    text,
    blocks: [...kept, { type: "section", text: { type: "mrkdwn", text: lines.join("\n").slice(0, 2900) } }],
  };
}

/** The message after a click that resumed the run. */
export function decidedMessage(click: SlackClick, decision: DecisionRecord): Record<string, unknown> {
  const line = `${verdict(decision.decision)} by ${mention(click)} at ${escape(decision.at)}${decision.run_id === undefined ? "" : ` — resumed as run \`${escape(decision.run_id)}\``}`;
  return rewritten(click, [line], `${decision.decision === "approve" ? "Approved" : "Rejected"} by ${click.userName}`);
}

/** The message after a click that resumed nothing: already answered, moved on, expired or failed. */
export function refusedMessage(click: SlackClick, why: string, first?: DecisionRecord): Record<string, unknown> {
  const lines: string[] = [];
  if (first !== undefined && first.error === undefined) {
    lines.push(`${verdict(first.decision)}${first.by === undefined ? "" : ` by ${escape(first.by)}`} (${first.channel}) at ${escape(first.at)}${first.run_id === undefined ? "" : ` — resumed as run \`${escape(first.run_id)}\``}`);
  }
  lines.push(`:warning: ${mention(click)} clicked ${click.decision === "approve" ? "Approve" : "Reject"}: ${escape(why)}`);
  return rewritten(click, lines, why);
}
