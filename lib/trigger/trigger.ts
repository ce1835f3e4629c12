// Starting LangGraph runs and crons, with this deployment's own /api/webhook as their webhook. The body
// schema of /api/trigger, and one function per mode: `startRun` (background create — also what the
// router's follow-up-run action calls, without HTTP), `waitRun`, `openRunStream` and `createCron`.
// Every LangGraph call goes through the official SDK; every failure leaves here as a RelayError.
//
// Every run gets a freshly minted webhook token: run-scoped, bound to its thread when there is one
// (a stateless run's thread is made by LangGraph, so its token cannot name it), valid for the run-token
// TTL plus any `after_seconds` delay. Crons get cron-scoped tokens without expiry, bound to the thread
// of a thread cron. `thread_id: "new"` creates the thread first, so that the token can name it.
import type { Client, Command, Config as SdkConfig, RunsInvokePayload, StreamMode } from "@langchain/langgraph-sdk";
import { z } from "zod";
import { ROUTE_METADATA_KEY } from "../model/delivery.js";
import { notConfigured, RelayError } from "../shared/errors.js";
import { langGraphClient } from "../langgraph/client.js";
import { describeError } from "../shared/log.js";
import { webhookUrl } from "../config/public-url.js";
import { describeIssues } from "../shared/zod-issues.js";
import type { Runtime } from "../runtime/runtime.js";
import { mintWebhookToken, type TokenKind } from "../security/webhook-tokens.js";
import { scrub, upstreamError } from "../langgraph/upstream-errors.js";
import { asRecord } from "../shared/json.js";

import { STREAM_TIMEOUT_MS, WAIT_TIMEOUT_MS } from "../config/limits.js";
export { STREAM_TIMEOUT_MS, WAIT_TIMEOUT_MS };

// ---------------------------------------------------------------------------------------------
// The body of POST /api/trigger: snake_case like LangGraph's REST API, strict (an unknown field is a
// typo the caller wants to hear about, not something to drop silently).

export const TRIGGER_MODES = ["create", "wait", "stream", "cron"] as const;
export type TriggerMode = (typeof TRIGGER_MODES)[number];

/** The stream modes LangGraph's run endpoints accept. */
const STREAM_MODES = [
  "values",
  "messages",
  "messages-tuple",
  "updates",
  "events",
  "tasks",
  "checkpoints",
  "debug",
  "custom",
  "tools",
] as const satisfies readonly StreamMode[];

const streamModeSchema = z.enum(STREAM_MODES);
const sendSchema = z.strictObject({ node: z.string().min(1), input: z.unknown().nullable() });

/** LangGraph's Command: resume an interrupt, update the state, go to a node. */
const commandSchema = z.strictObject({
  update: z.union([z.record(z.string(), z.unknown()), z.array(z.tuple([z.string(), z.unknown()]))]).nullable().optional(),
  resume: z.unknown().optional(),
  goto: z.union([z.string(), sendSchema, z.array(z.string()), z.array(sendSchema)]).optional(),
});

/** A run's config; LangGraph validates the rest, so other keys pass through. */
const configSchema = z.looseObject({
  tags: z.array(z.string()).optional(),
  recursion_limit: z.number().int().positive().optional(),
  configurable: z.record(z.string(), z.unknown()).optional(),
});

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Thread ids are UUIDs; lower-cased so the id the token is bound to is the one LangGraph reports. */
const threadIdSchema = z.union([z.literal("new"), z.guid({ message: 'must be "new" or a thread UUID' }).toLowerCase()]);

const bodyObject = z.strictObject({
  mode: z.enum(TRIGGER_MODES).default("create"),
  assistant_id: z.string().trim().min(1).max(256),
  /** Omitted or null: stateless. "new": a new thread. A UUID: that thread. */
  thread_id: threadIdSchema.nullable().optional(),
  input: z.record(z.string(), z.unknown()).nullable().optional(),
  command: commandSchema.optional(),
  config: configSchema.optional(),
  context: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  stream_mode: z.union([streamModeSchema, z.array(streamModeSchema).min(1)]).optional(),
  multitask_strategy: z.enum(["reject", "interrupt", "rollback", "enqueue"]).optional(),
  after_seconds: z.number().min(0).max(365 * 86_400).optional(),
  if_not_exists: z.enum(["create", "reject"]).optional(),
  /** Stateless runs (and stateless crons): delete the temporary thread when done, or keep it. */
  on_completion: z.enum(["delete", "keep"]).optional(),
  schedule: z.string().trim().min(1).max(256).optional(),
  timezone: z.string().refine(isTimeZone, { message: "must be an IANA time zone such as Europe/Paris" }).optional(),
  /** The named route that handles the run's callback (stored in the run's metadata). */
  route: z.string().trim().min(1).max(128).optional(),
});

/**
 * Combinations LangGraph would silently ignore, or the SDK would not send, are refused: the caller
 * asked for something that would not happen.
 */
export const triggerBodySchema = bodyObject.superRefine((body, ctx) => {
  const issue = (path: keyof typeof body, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  const threaded = typeof body.thread_id === "string";
  if (body.mode === "cron") {
    if (body.schedule === undefined) issue("schedule", "is required for mode cron (a cron expression, e.g. \"0 9 * * 1\")");
    if (body.command !== undefined) issue("command", "is not supported by crons");
    if (body.after_seconds !== undefined) issue("after_seconds", "is not supported by crons");
    if (body.if_not_exists !== undefined) issue("if_not_exists", "is not supported by crons");
  } else {
    if (body.schedule !== undefined) issue("schedule", "is only used with mode cron");
    if (body.timezone !== undefined) issue("timezone", "is only used with mode cron");
  }
  if (body.mode === "wait" && body.stream_mode !== undefined) issue("stream_mode", "is not used by mode wait");
  if (threaded && body.on_completion !== undefined) issue("on_completion", "applies to stateless runs only (omit thread_id)");
  if (!threaded && body.multitask_strategy !== undefined) issue("multitask_strategy", "needs a thread_id");
  if (body.if_not_exists !== undefined && (!threaded || body.thread_id === "new")) {
    issue("if_not_exists", "needs the id of a thread");
  }
});

export type TriggerRequest = z.output<typeof triggerBodySchema>;

/** Validates a trigger body; 400 `invalid_body` naming each bad field. */
export function parseTriggerBody(body: unknown): TriggerRequest {
  const parsed = triggerBodySchema.safeParse(body);
  if (!parsed.success) {
    throw new RelayError(400, "invalid_body", `Invalid trigger request: ${describeIssues(parsed.error)}.`);
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Running it.

/** What the router's follow-up-run action (or any code) passes to start a background run. */
export interface StartRunRequest {
  assistant_id: string;
  /** Omitted or null: stateless. "new": a new thread. Otherwise that thread's id. */
  thread_id?: string | null;
  input?: unknown;
  metadata?: Record<string, unknown>;
  /** The named route that handles the run's callback. */
  route?: string;
  config?: Record<string, unknown>;
}

export interface TriggerContext {
  runtime: Runtime;
  /** Fallback public base URL (the origin of the request being served), when none is configured. */
  origin: string;
}

export interface StartedRun {
  run_id: string;
  /** The run's thread; for a stateless run, the temporary thread LangGraph made for it. */
  thread_id: string | null;
  /** As LangGraph resolved it (a graph name becomes its default assistant's UUID). */
  assistant_id: string;
  status: string;
}

export interface WaitedRun {
  /** Null only if the deployment did not say (older servers send no Content-Location). */
  run_id: string | null;
  /** Null for a stateless run: its thread was temporary. */
  thread_id: string | null;
  values: unknown;
}

export interface CreatedCron {
  cron_id: string;
  schedule: string;
  next_run_date: string | null;
  thread_id?: string;
}

export interface StreamPart {
  id?: string;
  event: string;
  data: unknown;
}

export interface RunStream {
  run_id: string | undefined;
  thread_id: string | undefined;
  /** The first part, already received (so that a refused run is an HTTP error, not a stream). */
  first: StreamPart | undefined;
  /** The parts after the first. */
  rest: AsyncIterator<StreamPart>;
  /** Closes the connection to LangGraph; the run goes on. */
  abort(): void;
}

type WaitPayload = NonNullable<Parameters<Client["runs"]["wait"]>[2]>;

/** Drops undefined entries: optional fields are absent, never `undefined` (exactOptionalPropertyTypes). */
function present<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** The caller's metadata, with the route under ROUTE_METADATA_KEY when one is named. */
function runMetadata(body: TriggerRequest): Record<string, unknown> | undefined {
  if (body.route === undefined) return body.metadata;
  return { ...body.metadata, [ROUTE_METADATA_KEY]: body.route };
}

/** The fields every run and cron payload shares, in the SDK's spelling. */
function commonPayload(body: TriggerRequest) {
  return present({
    input: body.input,
    // zod types the optional keys as `T | undefined`, which exactOptionalPropertyTypes tells apart from
    // the SDK's `T?`; the values were validated above and are only serialised.
    config: body.config as SdkConfig | undefined,
    context: body.context,
    metadata: runMetadata(body),
  });
}

/** The run payload fields of create, wait and stream. */
function runPayload(body: TriggerRequest): RunsInvokePayload {
  return {
    ...commonPayload(body),
    ...present({
      command: body.command as Command | undefined, // same zod-vs-exactOptionalPropertyTypes gap as config
      multitaskStrategy: body.multitask_strategy,
      afterSeconds: body.after_seconds,
      ifNotExists: body.if_not_exists,
      // The SDK types this as "complete" | "continue", but sends it verbatim, and LangGraph's API (and
      // the Python SDK) take "delete" | "keep" for a stateless run's temporary thread.
      onCompletion: body.on_completion as RunsInvokePayload["onCompletion"],
    }),
  };
}

interface Prepared {
  client: Client;
  /** The thread to run on, once "new" has been created; null for stateless. */
  threadId: string | null;
  /** True when this request created the thread (so a failed start can clean it up). */
  createdThread: boolean;
  webhook: string;
  /** Secrets in `webhook`, scrubbed from any upstream message. */
  secrets: string[];
}

/** Resolves the client and the thread, and mints the webhook. Nothing is sent for invalid setups. */
async function prepare(body: TriggerRequest, context: TriggerContext, kind: TokenKind): Promise<Prepared> {
  const { config } = context.runtime;
  if (config.webhookSecrets.length === 0) {
    throw notConfigured("WEBHOOK_SECRET is not set: the relay cannot mint the webhook token of a run.");
  }
  const client = await langGraphClient(config);
  let threadId = body.thread_id ?? null;
  let createdThread = false;
  if (threadId === "new") {
    try {
      threadId = (await client.threads.create()).thread_id;
    } catch (error) {
      throw upstreamError(error);
    }
    createdThread = true;
  }
  const token = mintWebhookToken(config.webhookSecrets, {
    kind,
    threadId: threadId ?? undefined,
    ttlSeconds: config.runTokenTtlSeconds + (body.after_seconds ?? 0),
    now: context.runtime.now(),
  });
  const secrets = [token, ...(config.bypassSecret === undefined ? [] : [config.bypassSecret])];
  return { client, threadId, createdThread, webhook: webhookUrl(config, context.origin, token), secrets };
}

/** Maps a failed start to a RelayError, deleting the thread this request created for it. */
function failed(error: unknown, prepared: Prepared, context: TriggerContext): RelayError {
  const { client, threadId, createdThread } = prepared;
  if (createdThread && threadId !== null) {
    context.runtime.background(
      client.threads.delete(threadId).catch((cleanupError: unknown) =>
        context.runtime.log.warn("could not delete the thread of a run that failed to start", {
          thread_id: threadId,
          error: describeError(cleanupError),
        }),
      ),
    );
  }
  return upstreamError(error, prepared.secrets);
}

/** mode `create`: a background run. 202 material. */
export async function createRun(body: TriggerRequest, context: TriggerContext): Promise<StartedRun> {
  const prepared = await prepare(body, context, "run");
  try {
    const run = await prepared.client.runs.create(prepared.threadId, body.assistant_id, {
      ...runPayload(body),
      ...present({ streamMode: body.stream_mode }),
      webhook: prepared.webhook,
    });
    return {
      run_id: run.run_id,
      thread_id: run.thread_id ?? prepared.threadId,
      assistant_id: run.assistant_id,
      status: run.status,
    };
  } catch (error) {
    throw failed(error, prepared, context);
  }
}

/**
 * Starts a background run with this deployment's webhook, without HTTP: the router's follow-up-run
 * action calls this. Validated like a `create` body; throws RelayError.
 */
export async function startRun(request: StartRunRequest, context: TriggerContext): Promise<StartedRun> {
  return createRun(parseTriggerBody({ ...request, mode: "create" }), context);
}

/**
 * mode `wait`: runs and waits, through the SDK's single `runs.wait` call; its `onRunCreated` callback
 * (from the Content-Location header) gives the run id. A run that fails throws 502 `run_failed`: the
 * relay and LangGraph both did their job, but what the caller asked for — the run's values — does not
 * exist, and 502 (a bad answer from upstream) is the closest honest status; 2xx would let a script
 * treat a failure as a result. The ids travel in `x-run-id`/`x-thread-id` headers either way.
 */
export async function waitRun(body: TriggerRequest, context: TriggerContext, signal?: AbortSignal): Promise<WaitedRun> {
  const prepared = await prepare(body, context, "run");
  let runId: string | null = null;
  const timeout = AbortSignal.timeout(WAIT_TIMEOUT_MS);
  const payload: WaitPayload = {
    ...runPayload(body),
    webhook: prepared.webhook,
    // If we give up waiting (time limit, caller gone), the run finishes anyway and calls back.
    onDisconnect: "continue",
    raiseError: false,
    signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
    onRunCreated: (created) => {
      runId = created.run_id;
    },
  };
  try {
    const values: unknown =
      prepared.threadId === null
        ? await prepared.client.runs.wait(null, body.assistant_id, payload)
        : await prepared.client.runs.wait(prepared.threadId, body.assistant_id, payload);
    const ids = idHeaders(runId, prepared.threadId);
    const runError = asRecord(values)?.["__error__"];
    if (runError !== undefined) {
      throw new RelayError(502, "run_failed", `The run failed: ${describeRunError(runError, prepared.secrets)}`, {
        headers: ids,
      });
    }
    return { run_id: runId, thread_id: prepared.threadId, values };
  } catch (error) {
    if (error instanceof RelayError) throw error;
    if (timeout.aborted) {
      throw new RelayError(
        504,
        "upstream_timeout",
        `The run did not finish within ${WAIT_TIMEOUT_MS / 1000} s; it goes on and its webhook will fire. Use mode create for long runs.`,
        { headers: idHeaders(runId, prepared.threadId) },
      );
    }
    throw failed(error, prepared, context);
  }
}

/**
 * mode `stream`: opens the SDK stream and waits for its first part, so that a refused run (unknown
 * assistant, busy thread, LangGraph down) is an HTTP error rather than a 200 stream that fails.
 * The caller may leave: `on_disconnect: continue` keeps the run going, and its webhook still fires.
 */
export async function openRunStream(body: TriggerRequest, context: TriggerContext): Promise<RunStream> {
  const prepared = await prepare(body, context, "run");
  const controller = new AbortController();
  let runId: string | undefined;
  let threadId = prepared.threadId ?? undefined;
  const payload = {
    ...runPayload(body),
    ...present({ streamMode: body.stream_mode }),
    webhook: prepared.webhook,
    onDisconnect: "continue" as const,
    signal: controller.signal,
    onRunCreated: (created: { run_id: string; thread_id?: string }) => {
      runId = created.run_id;
      threadId ??= created.thread_id;
    },
  };
  const parts: AsyncIterator<StreamPart> =
    prepared.threadId === null
      ? prepared.client.runs.stream(null, body.assistant_id, payload)
      : prepared.client.runs.stream(prepared.threadId, body.assistant_id, payload);
  try {
    const first = await parts.next();
    return {
      run_id: runId,
      thread_id: threadId,
      first: first.done === true ? undefined : first.value,
      rest: parts,
      abort: () => controller.abort(),
    };
  } catch (error) {
    controller.abort();
    throw failed(error, prepared, context);
  }
}

/** mode `cron`: a cron on a thread, or a stateless cron (a new thread per run). 201 material. */
export async function createCron(body: TriggerRequest, context: TriggerContext): Promise<CreatedCron> {
  const prepared = await prepare(body, context, "cron");
  if (body.schedule === undefined) throw new RelayError(400, "invalid_body", "Invalid trigger request: schedule: required.");
  const payload = {
    ...commonPayload(body),
    ...present({
      timezone: body.timezone,
      multitaskStrategy: body.multitask_strategy,
      streamMode: body.stream_mode,
      onRunCompleted: body.on_completion,
    }),
    schedule: body.schedule,
    webhook: prepared.webhook,
  };
  try {
    const cron =
      prepared.threadId === null
        ? await prepared.client.crons.create(body.assistant_id, payload)
        : await prepared.client.crons.createForThread(prepared.threadId, body.assistant_id, payload);
    const created: CreatedCron = {
      cron_id: cron.cron_id,
      schedule: cron.schedule ?? payload.schedule,
      next_run_date: cron.next_run_date ?? null,
    };
    if (prepared.threadId !== null) created.thread_id = cron.thread_id ?? prepared.threadId;
    return created;
  } catch (error) {
    throw failed(error, prepared, context);
  }
}


/** `x-run-id` / `x-thread-id`, for answers whose body cannot carry them (errors, streams). */
export function idHeaders(runId: string | null | undefined, threadId: string | null | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (runId !== null && runId !== undefined) headers["x-run-id"] = runId;
  if (threadId !== null && threadId !== undefined) headers["x-thread-id"] = threadId;
  return headers;
}

/**
 * The message of a run's `__error__` ({error, message}); the JS server nests the same shape as a JSON
 * string inside `message`.
 */
function describeRunError(value: unknown, secrets: readonly string[]): string {
  let record = asRecord(value);
  for (let depth = 0; depth < 3 && record !== undefined; depth++) {
    const message = record["message"];
    if (typeof message === "string" && message.trim().startsWith("{")) {
      try {
        const inner = asRecord(JSON.parse(message));
        if (inner !== undefined) {
          record = inner;
          continue;
        }
      } catch {
        // Not JSON after all: use it as it is.
      }
    }
    break;
  }
  const name = typeof record?.["error"] === "string" ? record["error"] : undefined;
  const message = typeof record?.["message"] === "string" ? record["message"] : undefined;
  const text = [name, message].filter((part) => part !== undefined).join(": ") || "unknown error";
  return scrub(text, secrets);
}
