// What every start (run or cron) does before calling LangGraph, and the cleanup after one that failed.
//
// Every run gets a freshly minted webhook token: run-scoped, bound to its thread when there is one
// (a stateless run's thread is made by LangGraph, so its token cannot name it), valid for the run-token
// TTL plus any `after_seconds` delay. Crons get cron-scoped tokens without expiry, bound to the thread
// of a thread cron. `thread_id: "new"` creates the thread first, so that the token can name it.
import type { Client } from "@langchain/langgraph-sdk";
import { webhookUrl } from "../config/public-url.js";
import { langGraphClient } from "../langgraph/client.js";
import { upstreamError } from "../langgraph/upstream-errors.js";
import type { Runtime } from "../runtime/runtime.js";
import { mintWebhookToken, type TokenKind } from "../security/webhook-tokens.js";
import { notConfigured, type RelayError } from "../shared/errors.js";
import { describeError } from "../shared/log.js";
import type { TriggerRequest } from "./request.js";

export interface TriggerContext {
  runtime: Runtime;
}

export interface Prepared {
  client: Client;
  /** The thread to run on, once "new" has been created; null for stateless. */
  threadId: string | null;
  /** True when this request created the thread (so a failed start can clean it up). */
  createdThread: boolean;
  /** This deployment's /api/webhook with the minted token. */
  webhook: string;
  /** Secrets in `webhook`, scrubbed from any upstream message. */
  secrets: string[];
}

/** Resolves the client and the thread, and mints the webhook. Nothing is sent for invalid setups. */
export async function prepare(body: TriggerRequest, context: TriggerContext, kind: TokenKind): Promise<Prepared> {
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
  return { client, threadId, createdThread, webhook: webhookUrl(config, token), secrets };
}

/** Maps a failed start to a RelayError, deleting the thread this request created for it. */
export function failed(error: unknown, prepared: Prepared, context: TriggerContext): RelayError {
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
