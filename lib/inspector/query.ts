// The delivery inspector's queries: what a request to /api/deliveries asks for (validated with zod) and
// which records it matches. What each answer shows is lib/inspector/present.ts. Pure: no HTTP and no
// store; lib/handlers/deliveries.ts adapts it.
import * as z from "zod";
import type { ActionState } from "../model/delivery.js";
import { badRequest } from "../shared/errors.js";
import type { ListOptions } from "../stores/delivery-store.js";
import { decodeCursor } from "../stores/delivery-store.js";
import type { DeliveryFilter } from "../stores/delivery-filter.js";
import { hasFilter, matchesFilter } from "../stores/delivery-filter.js";
import { describeIssuesAsSentences } from "../shared/zod-issues.js";
import { isDeliveryId } from "../model/delivery.js";

/** @default page size of the list */
export const DEFAULT_LIST_LIMIT = 50;
/** Largest page: a page of summaries stays well under a few hundred kB. */
export const MAX_LIST_LIMIT = 200;
export const ACTION_STATES = ["pending", "succeeded", "failed"] as const satisfies readonly ActionState[];

export { isDeliveryId };

// The filter's type and its matching live with the stores, which answer it from their indexes.
export type { DeliveryFilter };
export { hasFilter, matchesFilter };

export interface ListQuery {
  kind: "list";
  limit: number;
  cursor: string | undefined;
  filter: DeliveryFilter;
}

export interface DetailQuery {
  kind: "detail";
  id: string;
}

export interface ReplayQuery {
  id: string;
  /** One action by name (in any state); otherwise every failed action. */
  action: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Queries

const idValue = (name: string) =>
  z
    .string()
    .trim()
    .min(1, { message: `${name} must not be empty` })
    .max(256, { message: `${name} must be at most 256 characters` });

/** `since`: an ISO time (received at or after it), read as ms. */
const sinceValue = z
  .string()
  .max(64, { message: "since must be an ISO time such as 2026-12-01T00:00:00Z" })
  .refine((value) => /^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(Date.parse(value)), {
    message: "since must be an ISO time such as 2026-12-01T00:00:00Z",
  })
  .transform((value) => Date.parse(value));

/** Published in the OpenAPI document (lib/openapi). */
export const listSchema = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,6}$/, { message: `must be a whole number from 1 to ${MAX_LIST_LIMIT}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, { message: `must be a whole number from 1 to ${MAX_LIST_LIMIT}` })
        .max(MAX_LIST_LIMIT, { message: `must be at most ${MAX_LIST_LIMIT}` }),
    )
    .optional(),
  // The stores ignore a cursor they cannot read (they start from the top): refuse it here instead, so
  // a client with a mangled cursor hears about it rather than looping over page one.
  cursor: z
    .string()
    .refine((cursor) => decodeCursor(cursor) !== undefined, { message: "is not a cursor this endpoint handed out (use next_cursor as given)" })
    .optional(),
  event: z
    .string()
    .regex(/^run\.[a-z_]{1,64}$/, { message: 'must be an event name such as "run.success" or "run.error"' })
    .optional(),
  action_state: z
    .enum(ACTION_STATES, { message: `must be one of ${ACTION_STATES.join(", ")}` })
    .optional(),
  assistant_id: idValue("assistant_id").optional(),
  thread_id: idValue("thread_id").optional(),
  run_id: idValue("run_id").optional(),
  route: idValue("route").optional(),
  source: z.enum(["webhook", "reconciled"], { message: "must be webhook or reconciled" }).optional(),
  since: sinceValue.optional(),
});

const deliveryId = z.string({ message: "is required: the id of a delivery (dlv_…)" });

export const detailSchema = z.strictObject({ id: deliveryId });

export const replaySchema = z.strictObject({
  id: deliveryId,
  // Required so that a POST meant for something else never replays by accident.
  replay: z.literal("1", { message: 'must be "1" (POST /api/deliveries?id=…&replay=1)' }),
  action: z
    .string()
    .trim()
    .min(1, { message: "action must not be empty" })
    .max(128, { message: "action must be at most 128 characters" })
    .optional(),
});


function parse<T extends z.ZodType>(params: URLSearchParams, schema: T, hint: string): z.output<T> {
  const raw: Record<string, string> = {};
  for (const [name, value] of params) {
    if (Object.hasOwn(raw, name)) {
      throw badRequest("invalid_request", `Query parameter ${JSON.stringify(name.slice(0, 40))} is given more than once.`);
    }
    raw[name] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw badRequest("invalid_request", `Invalid query: ${describeIssuesAsSentences(parsed.error)}. ${hint}`);
  return parsed.data;
}

const LIST_HINT = `List with limit (1-${MAX_LIST_LIMIT}), cursor, event, action_state, assistant_id, thread_id, run_id, route, source, since; or ask for one delivery with id alone.`;

/** GET: `?id=…` alone asks for one delivery; anything else is a list query. */
export function parseGetQuery(params: URLSearchParams): ListQuery | DetailQuery {
  if (params.has("id")) {
    const { id } = parse(params, detailSchema, "Ask for one delivery with id alone, or list without id.");
    return { kind: "detail", id };
  }
  const query = parse(params, listSchema, LIST_HINT);
  const filter: DeliveryFilter = {};
  if (query.event !== undefined) filter.event = query.event;
  if (query.action_state !== undefined) filter.action_state = query.action_state;
  if (query.assistant_id !== undefined) filter.assistant_id = query.assistant_id;
  if (query.thread_id !== undefined) filter.thread_id = query.thread_id;
  if (query.run_id !== undefined) filter.run_id = query.run_id;
  if (query.route !== undefined) filter.route = query.route;
  if (query.source !== undefined) filter.source = query.source;
  if (query.since !== undefined) filter.since = query.since;
  return { kind: "list", limit: query.limit ?? DEFAULT_LIST_LIMIT, cursor: query.cursor, filter };
}

/** Redrive by filter: every dead action of the matching deliveries, bounded per request. */
export const redriveSchema = z.strictObject({
  replay: z.literal("1", { message: 'must be "1" (POST /api/deliveries?replay=1&action_state=failed)' }),
  // Required, so that a filter meant for something else never redrives by accident.
  action_state: z.literal("failed", { message: 'must be "failed": a redrive replays dead actions' }),
  route: idValue("route").optional(),
  event: z
    .string()
    .regex(/^run\.[a-z_]{1,64}$/, { message: 'must be an event name such as "run.success" or "run.error"' })
    .optional(),
  since: sinceValue.optional(),
});

export interface RedriveQuery {
  filter: DeliveryFilter;
}

/** POST without `id`: `?replay=1&action_state=failed[&route][&event][&since]`. */
export function parseRedriveQuery(params: URLSearchParams): RedriveQuery {
  const query = parse(
    params,
    redriveSchema,
    "Redrive with POST /api/deliveries?replay=1&action_state=failed (and &route=, &event=, &since=<ISO time> to narrow it), or replay one delivery with &id=.",
  );
  const filter: DeliveryFilter = { action_state: "failed" };
  if (query.route !== undefined) filter.route = query.route;
  if (query.event !== undefined) filter.event = query.event;
  if (query.since !== undefined) filter.since = query.since;
  return { filter };
}

/** POST: `?id=…&replay=1`, optionally `&action=<name>`. */
export function parseReplayQuery(params: URLSearchParams): ReplayQuery {
  const query = parse(params, replaySchema, "Replay with POST /api/deliveries?id=<delivery id>&replay=1 (and &action=<name> for one action).");
  return { id: query.id, action: query.action };
}

// ---------------------------------------------------------------------------------------------
// The store's query

/** What the store is asked for a list query: the filter goes as it is, for the store's indexes. */
export function listOptionsOf(query: ListQuery): ListOptions {
  return { limit: query.limit, cursor: query.cursor, filter: hasFilter(query.filter) ? query.filter : undefined };
}
