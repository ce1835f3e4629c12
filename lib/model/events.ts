// The events a recorded delivery becomes, as the routes file sees them. Names are a closed union so
// that a typo in routes.ts (`"run.sucess"`) fails the type check; statuses LangGraph may add later
// still arrive (as `run.<status>`) and are caught by the `"*"` pattern.
import type { DeliveryRecord, PendingInterrupt } from "./delivery.js";
import type { RunPayload } from "./run-payload.js";
import { runErrorMessage } from "./run-fields.js";

export const EVENT_NAMES = [
  "run.success",
  "run.error",
  "run.timeout",
  "run.interrupted",
  "run.rollback",
  "run.paused",
] as const;

/** Every event name a route can name. `run.paused` is a `success` whose thread waits on a human. */
export type EventName = (typeof EVENT_NAMES)[number];

/** What a route's `on` accepts: an event name, or `"*"` for every event (unknown statuses included). */
export type EventPattern = EventName | "*";

export const PAUSED_EVENT = "run.paused" satisfies EventName;

export type { PendingInterrupt };

interface RunEventBase {
  delivery_id: string;
  run_id: string;
  thread_id: string;
  assistant_id: string;
  graph_id: string | undefined;
  /** LangGraph's status as received (`success` for a paused run). */
  status: string;
  /** The named route the run was started with, if any. */
  route: string | undefined;
  metadata: Readonly<Record<string, unknown>>;
  /** The thread's values at the end of the run (absent or null for stateless runs). */
  values: unknown;
  /** The error's message when the payload carries one. */
  error: string | undefined;
  started_at: string | undefined;
  ended_at: string | undefined;
  /** run_ended_at − run_started_at, when both are known. */
  duration_ms: number | undefined;
  /** The whole redacted payload, as stored and forwarded. */
  run: RunPayload;
}

export interface RunSuccessEvent extends RunEventBase {
  type: "run.success";
}
export interface RunErrorEvent extends RunEventBase {
  type: "run.error";
  error: string;
}
export interface RunTimeoutEvent extends RunEventBase {
  type: "run.timeout";
}
export interface RunInterruptedEvent extends RunEventBase {
  type: "run.interrupted";
}
export interface RunRollbackEvent extends RunEventBase {
  type: "run.rollback";
}
export interface RunPausedEvent extends RunEventBase {
  type: "run.paused";
  /** What the run is waiting for: the values passed to `interrupt()`. */
  interrupts: readonly PendingInterrupt[];
  /** The nodes that will run on resume. */
  next: readonly string[];
}
/** A status this version does not know (LangGraph may add some): read as data, handled by `"*"`. */
export interface RunOtherEvent extends RunEventBase {
  type: `run.${string}`;
}

export interface EventMap {
  "run.success": RunSuccessEvent;
  "run.error": RunErrorEvent;
  "run.timeout": RunTimeoutEvent;
  "run.interrupted": RunInterruptedEvent;
  "run.rollback": RunRollbackEvent;
  "run.paused": RunPausedEvent;
}

export type RunEvent = EventMap[EventName] | RunOtherEvent;

/** The event a handler of `pattern` receives: narrowed for a name, every event for `"*"`. */
export type EventFor<P extends EventPattern> = P extends EventName ? EventMap[P] : RunEvent;

/** Narrows to run.paused (the `run.${string}` member keeps a plain `type` check from doing it). */
export function isPausedEvent(event: RunEvent): event is RunPausedEvent {
  return event.type === "run.paused" && "interrupts" in event;
}

export function isEventPattern(value: unknown): value is EventPattern {
  return value === "*" || (EVENT_NAMES as readonly unknown[]).includes(value);
}

function durationOf(payload: RunPayload): number | undefined {
  const started = payload.run_started_at == null ? Number.NaN : Date.parse(payload.run_started_at);
  const ended = payload.run_ended_at == null ? Number.NaN : Date.parse(payload.run_ended_at);
  return Number.isFinite(started) && Number.isFinite(ended) && ended >= started ? ended - started : undefined;
}

/** Builds the event handed to actions from a recorded delivery. */
export function eventOf(delivery: DeliveryRecord): RunEvent {
  const { payload } = delivery;
  const base: RunEventBase = {
    delivery_id: delivery.id,
    run_id: delivery.run_id,
    thread_id: delivery.thread_id,
    assistant_id: delivery.assistant_id,
    graph_id: delivery.graph_id,
    status: delivery.status,
    route: delivery.route,
    metadata: payload.metadata ?? {},
    values: payload.values,
    error: runErrorMessage(payload.error),
    started_at: payload.run_started_at ?? undefined,
    ended_at: payload.run_ended_at ?? undefined,
    duration_ms: durationOf(payload),
    run: payload,
  };
  const type = delivery.event;
  switch (type) {
    case "run.error":
      // A failed run without a message still gets a readable one: handlers rely on `error`.
      return { ...base, type, error: base.error ?? "The run failed without an error message." };
    case "run.paused":
      return { ...base, type, interrupts: delivery.pause?.interrupts ?? [], next: delivery.pause?.next ?? [] };
    case "run.success":
    case "run.timeout":
    case "run.interrupted":
    case "run.rollback":
      return { ...base, type };
    default:
      return { ...base, type: `run.${type.replace(/^run\./, "")}` };
  }
}
