// What a paused run asks, as Slack mrkdwn a person can read at a glance: LangChain's HITL middleware
// as one line per proposed tool call (its name, the first line of its description, its arguments),
// an interrupt whose value has a `question` (or `message`, `prompt`) as that question in bold with
// the other fields below, a string as it is, anything else as JSON. Everything from the run is
// escaped: a value cannot mention a channel or break out of its code block.
import { asRecord } from "../shared/json.js";

/** The pinned action ids of the run.paused message's buttons (here, not beside the payload's zod schema, so that the receiver's routes load no more than they need). */
export const APPROVE_ACTION_ID = "approve";
export const REJECT_ACTION_ID = "reject";

/** Slack reads `&`, `<` and `>` as markup. */
const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const truncate = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`);

function json(value: unknown, pretty: boolean): string {
  try {
    return JSON.stringify(value, null, pretty ? 2 : undefined) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A preformatted block the content cannot break out of. */
const code = (text: string, max: number): string => `\`\`\`${truncate(escape(text).replace(/```/g, "ˋˋˋ"), Math.max(1, max - 8))}\`\`\``;

const QUESTION_KEYS = ["question", "message", "prompt"] as const;

/** One interrupt's value as mrkdwn, at most `max` characters. */
export function renderInterrupt(value: unknown, max: number): string {
  const record = asRecord(value);
  const requests = record?.["actionRequests"] ?? record?.["action_requests"];
  if (Array.isArray(requests)) {
    const lines = requests.map((request) => {
      const entry = asRecord(request) ?? {};
      const name = typeof entry["name"] === "string" ? entry["name"] : "(unnamed)";
      const description = typeof entry["description"] === "string" ? entry["description"].split("\n")[0]?.trim() ?? "" : "";
      const args = entry["args"] ?? entry["arguments"];
      const head = `• *${escape(truncate(name, 100))}*${description === "" ? "" : ` — ${escape(truncate(description, 200))}`}`;
      return args === undefined ? head : `${head}\n${code(json(args, false), Math.floor(max / Math.max(1, requests.length)) - head.length - 2)}`;
    });
    return truncate(`*${requests.length === 1 ? "A tool call needs" : `${requests.length} tool calls need`} approval*\n${lines.join("\n")}`, max);
  }
  if (typeof value === "string") return truncate(escape(value), max);
  const key = QUESTION_KEYS.find((candidate) => typeof record?.[candidate] === "string");
  if (record !== undefined && key !== undefined) {
    const { [key]: question, ...rest } = record;
    const head = `*${escape(truncate(String(question), 500))}*`;
    return Object.keys(rest).length === 0 ? head : `${head}\n${code(json(rest, true), max - head.length - 1)}`;
  }
  return code(json(value, true), max);
}

/** One line of plain text for notifications. */
export function summariseInterrupt(value: unknown): string {
  const record = asRecord(value);
  const requests = record?.["actionRequests"] ?? record?.["action_requests"];
  if (Array.isArray(requests)) {
    const names = requests.map((request) => asRecord(request)?.["name"]).filter((name): name is string => typeof name === "string");
    return `approve ${names.join(", ") || "tool calls"}?`;
  }
  if (typeof value === "string") return value;
  const key = QUESTION_KEYS.find((candidate) => typeof record?.[candidate] === "string");
  return key === undefined ? json(value, false) : String(record?.[key]);
}
