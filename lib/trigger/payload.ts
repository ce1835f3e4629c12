// A validated trigger body in the SDK's spelling: the camelCase payload of runs.create / wait / stream
// and crons.create, with the route named in the metadata and absent fields left out.
import type { Command, Config as SdkConfig, RunsInvokePayload } from "@langchain/langgraph-sdk";
import { ROUTE_METADATA_KEY } from "../model/delivery.js";
import type { TriggerRequest } from "./request.js";

/** Drops undefined entries: optional fields are absent, never `undefined` (exactOptionalPropertyTypes). */
export function present<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** The caller's metadata, with the route under ROUTE_METADATA_KEY when one is named. */
export function withRoute(metadata: Record<string, unknown> | undefined, route: string | undefined): Record<string, unknown> | undefined {
  if (route === undefined) return metadata;
  return { ...metadata, [ROUTE_METADATA_KEY]: route };
}

const runMetadata = (body: TriggerRequest) => withRoute(body.metadata, body.route);

/** The fields every run and cron payload shares, in the SDK's spelling. */
export function commonPayload(body: TriggerRequest) {
  return present({
    input: body.input,
    // zod types the optional keys as `T | undefined`, which exactOptionalPropertyTypes tells apart from
    // the SDK's `T?`; the values were validated by the schema and are only serialised.
    config: body.config as SdkConfig | undefined,
    context: body.context,
    metadata: runMetadata(body),
  });
}

/** The run payload fields of create, wait and stream. */
export function runPayload(body: TriggerRequest): RunsInvokePayload {
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
