// The size cap of a stored payload. LangGraph posts the thread's whole `values` (and echoes the run's
// input) with every callback, up to the 4.5 MB a function may receive: kept as they are, a hundred such
// callbacks hold hundreds of MB in the memory store and in Redis for the whole retention, and every
// listing reads them. Beyond the cap the payload keeps the run's own fields (ids, status, times) and
// drops its biggest parts first; what was cut is marked, on the payload itself (so that a forward or a
// custom action, which are given the payload, can tell "cut" from "absent") and on the record (for the
// inspector). A receiver that needs the state fetches it from LangGraph by thread_id and run_id.
import { asRecord } from "../shared/json.js";
import type { RunPayload } from "./run-payload.js";

/** @default cap of a stored payload, in bytes of its JSON (STORED_PAYLOAD_MAX_KB). */
export const DEFAULT_STORED_PAYLOAD_MAX_BYTES = 256 * 1024;

/** The payload key that marks a cut payload; a name LangGraph does not use. */
export const TRUNCATION_MARK = "relay_truncated";

/** What was cut from a payload over the cap. */
export interface PayloadTruncation {
  /**
   * The parts cut, biggest first, as paths: `values`, `kwargs.input`, `metadata.<key>`, … Each was
   * dropped, except `error`, which is shortened (the message's beginning stays readable).
   */
  fields: string[];
  /** How many more parts were cut than `fields` lists (the list is bounded like everything stored). */
  fields_omitted?: number;
  /** The payload's size before the cut, in bytes of its JSON. */
  original_bytes: number;
  /** The cap it was cut to. */
  max_bytes: number;
}

export interface CappedPayload {
  payload: RunPayload;
  /** Set when something was cut. */
  truncation?: PayloadTruncation;
}

/**
 * The run's own fields: never cut, so that the record still says which run it was, what it came to
 * and when, and a receiver can fetch the rest from LangGraph.
 */
const KEPT_FIELDS = new Set([
  "run_id",
  "thread_id",
  "assistant_id",
  "status",
  "created_at",
  "updated_at",
  "run_started_at",
  "run_ended_at",
  "webhook_sent_at",
  "multitask_strategy",
  TRUNCATION_MARK,
]);

/** How much of a cut error message stays: enough to read, small next to any cap. */
const KEPT_ERROR_CHARS = 2048;

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");

interface Part {
  path: string;
  /** Bytes saved by cutting it (its key and value, or for `error` the difference). */
  saving: number;
  cut(target: CutTarget): void;
}

/** The copies a cut writes into: the payload and, when touched, its `kwargs` and `metadata`. */
interface CutTarget {
  payload: Record<string, unknown>;
  container(name: "kwargs" | "metadata"): Record<string, unknown>;
}

function shortenedError(error: unknown): unknown {
  const cut = (text: string) => (text.length > KEPT_ERROR_CHARS ? `${text.slice(0, KEPT_ERROR_CHARS)}…` : text);
  if (typeof error === "string") return cut(error);
  const record = asRecord(error);
  if (record !== undefined) {
    // Keep the two fields the relay reads (lib/model/run-payload.ts runErrorMessage), shortened.
    const shortened: Record<string, string> = {};
    if (typeof record["error"] === "string") shortened["error"] = cut(record["error"]);
    if (typeof record["message"] === "string") shortened["message"] = cut(record["message"]);
    return shortened;
  }
  return null;
}

/**
 * Parts cut one by one at most per object: past it, the smallest entries of that object go together as
 * one part (`kwargs.*`), so that a payload of a million tiny keys is cut in one step, not a million.
 */
const MAX_PARTS_PER_OBJECT = 64;
/** Paths listed on the record at most. */
const MAX_LISTED_FIELDS = 32;

/** The biggest parts alone, the rest of them as one part named `<prefix>*`. */
function grouped(parts: Part[], prefix: string): Part[] {
  if (parts.length <= MAX_PARTS_PER_OBJECT) return parts;
  parts.sort((a, b) => b.saving - a.saving);
  const alone = parts.slice(0, MAX_PARTS_PER_OBJECT - 1);
  const rest = parts.slice(MAX_PARTS_PER_OBJECT - 1);
  const together: Part = {
    path: `${prefix}*`,
    saving: rest.reduce((sum, part) => sum + part.saving, 0),
    cut: (target) => {
      for (const part of rest) part.cut(target);
    },
  };
  return [...alone, together];
}

/** Every part that may be cut, with what cutting it saves. */
function partsOf(payload: RunPayload): Part[] {
  const parts: Part[] = [];
  const topLevel: Part[] = [];
  // `"key":` plus a comma: what disappears with an entry besides its value.
  const entryOverhead = (key: string) => jsonBytes(key) + 2;
  for (const [key, value] of Object.entries(payload)) {
    if (KEPT_FIELDS.has(key) || value === undefined) continue;
    if (key === "error") {
      const saving = jsonBytes(value) - jsonBytes(shortenedError(value));
      if (saving > 0) parts.push({ path: "error", saving, cut: (target) => (target.payload["error"] = shortenedError(value)) });
      continue;
    }
    const containerKey = key === "kwargs" || key === "metadata" ? key : undefined;
    const container = containerKey === undefined ? undefined : asRecord(value);
    if (containerKey !== undefined && container !== undefined) {
      // Entry by entry, so that small ones (the route name, graph_id, the webhook) stay.
      const inside: Part[] = [];
      for (const [inner, innerValue] of Object.entries(container)) {
        if (innerValue === undefined) continue;
        inside.push({
          path: `${key}.${inner}`,
          saving: jsonBytes(innerValue) + entryOverhead(inner),
          cut: (target) => delete target.container(containerKey)[inner],
        });
      }
      parts.push(...grouped(inside, `${key}.`));
      continue;
    }
    topLevel.push({ path: key, saving: jsonBytes(value) + entryOverhead(key), cut: (target) => delete target.payload[key] });
  }
  return [...parts, ...grouped(topLevel, "")].sort((a, b) => b.saving - a.saving);
}

/**
 * Cuts `payload` to at most `maxBytes` of JSON, biggest parts first, or returns it as it is when it
 * fits. Pure: the payload given is not changed (the cut one is a copy, sharing the parts it kept).
 * `payloadBytes` is the payload's size when the caller has measured it already.
 */
export function capPayload(payload: RunPayload, maxBytes: number, payloadBytes = jsonBytes(payload)): CappedPayload {
  if (payloadBytes <= maxBytes) return { payload };
  const copy: Record<string, unknown> = { ...payload };
  const copied = new Set<string>();
  const target: CutTarget = {
    payload: copy,
    container(name) {
      if (!copied.has(name)) {
        copy[name] = { ...(copy[name] as Record<string, unknown>) };
        copied.add(name);
      }
      return copy[name] as Record<string, unknown>;
    },
  };
  const fields: string[] = [];
  let size = payloadBytes;
  for (const part of partsOf(payload)) {
    if (size <= maxBytes) break;
    part.cut(target);
    fields.push(part.path);
    size -= part.saving;
  }
  const truncation: PayloadTruncation = { fields: fields.slice(0, MAX_LISTED_FIELDS), original_bytes: payloadBytes, max_bytes: maxBytes };
  if (fields.length > MAX_LISTED_FIELDS) truncation.fields_omitted = fields.length - MAX_LISTED_FIELDS;
  copy[TRUNCATION_MARK] = truncation;
  return { payload: copy as RunPayload, truncation };
}
