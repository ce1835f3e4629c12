// What the relay reads from a Run callback without validating one: the statuses LangGraph sends, an
// error's message, the graph id. No zod here, so that the modules every request loads (the delivery
// record, event names, confirmation) do not load the payload's schema (run-payload.ts): a refused
// callback — a 401 — never builds it, and the webhook's cold start does so only once the token is good.
import { asRecord } from "../shared/json.js";
import type { RunError, RunPayload } from "./run-payload.js";

/** The statuses LangGraph sends today; others are data, and can only be confirmed by LangGraph itself. */
export const RUN_STATUSES = ["success", "error", "timeout", "interrupted", "rollback"] as const;

/** A readable error message whatever shape the server used. */
export function runErrorMessage(error: RunError | null | undefined): string | undefined {
  if (error === null || error === undefined) return undefined;
  if (typeof error === "string") return error;
  return error.message ?? error.error;
}

/** The graph id, when the server put it in the run's metadata or config. */
export function graphIdOf(payload: RunPayload): string | undefined {
  const fromMetadata = payload.metadata?.["graph_id"];
  if (typeof fromMetadata === "string") return fromMetadata;
  const configurable = asRecord(asRecord(payload.kwargs?.["config"])?.["configurable"]);
  const fromConfig = configurable?.["graph_id"];
  return typeof fromConfig === "string" ? fromConfig : undefined;
}
