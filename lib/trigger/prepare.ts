// What every start (run or cron) does before calling LangGraph, and the cleanup after one that failed.
//
// Every run gets a freshly minted webhook token: run-scoped, bound to its thread when there is one
// (a stateless run's thread is made by LangGraph, so its token cannot name it), valid for the run-token
// TTL plus any `after_seconds` delay and never longer than the delivery records that deduplicate its
// callback. Crons get cron-scoped tokens without expiry, bound to the thread of a thread cron. Before
// LangGraph is called, the token's id goes into the run ledger; once LangGraph has answered, the ledger
// learns which run (or cron) it is for — that, not the token, is what vouches for a callback
// (lib/verification/confirm.ts). `thread_id: "new"` creates the thread first, so the token can name it.
import type { Client } from "@langchain/langgraph-sdk";
import { webhookUrl } from "../config/public-url.js";
import { langGraphClient } from "../langgraph/client.js";
import { upstreamError } from "../langgraph/upstream-errors.js";
import type { Runtime } from "../runtime/runtime.js";
import { assertRunLifetime, mintedTokenId, mintWebhookToken, type TokenKind } from "../security/webhook-tokens.js";
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
  /** The minted token's id: its key in the run ledger. */
  tokenId: string;
}

/** Cron tokens have no expiry of their own: their ledger entry lives until the cron is deleted (or this long). */
const CRON_LEDGER_SECONDS = 10 * 365 * 86_400;

/** Resolves the client and the thread, and mints the webhook. Nothing is sent for invalid setups. */
export async function prepare(body: TriggerRequest, context: TriggerContext, kind: TokenKind): Promise<Prepared> {
  const { config } = context.runtime;
  if (config.webhookSecrets.length === 0) {
    throw notConfigured("WEBHOOK_SECRET is not set: the relay cannot mint the webhook token of a run.");
  }
  // The records that deduplicate a run's callback live for the retention (Redis) or the memory store's age.
  const recordsLiveSeconds = config.redisUrl === undefined ? Math.min(config.retentionSeconds, config.memoryMaxAgeSeconds) : config.retentionSeconds;
  const lifetime = { ttlSeconds: config.runTokenTtlSeconds, afterSeconds: body.after_seconds, maxLifetimeSeconds: recordsLiveSeconds };
  // A run that would call back after its records expire is refused before anything is created.
  const lifetimeSeconds = kind === "run" ? assertRunLifetime(lifetime) : CRON_LEDGER_SECONDS;
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
  const now = context.runtime.now();
  const token = mintWebhookToken(config.webhookSecrets, {
    kind,
    threadId: threadId ?? undefined,
    ...lifetime,
    environment: config.deploymentEnvironment,
    now,
  });
  const tokenId = mintedTokenId(token);
  const secrets = [token, ...(config.bypassSecret === undefined ? [] : [config.bypassSecret])];
  const prepared: Prepared = { client, threadId, createdThread, webhook: webhookUrl(config, token), secrets, tokenId };
  try {
    // Unrecorded, the run's callback could not be confirmed: nothing starts without the entry (503).
    await context.runtime.ledger.put({
      token_id: tokenId,
      kind,
      assistant_id: body.assistant_id,
      ...(threadId === null ? {} : { thread_id: threadId }),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + lifetimeSeconds * 1000).toISOString(),
    });
  } catch (error) {
    throw failed(error, prepared, context);
  }
  return prepared;
}

/**
 * Tells the ledger which run a token is for, once LangGraph has said. A failure is logged, not
 * thrown: the run has started, and its callback can still be confirmed against LangGraph's record.
 */
export async function bindRun(prepared: Prepared, context: TriggerContext, runId: string, threadId: string | null | undefined): Promise<void> {
  try {
    await context.runtime.ledger.bindRun(prepared.tokenId, runId, threadId ?? undefined);
  } catch (error) {
    context.runtime.log.warn("could not record the run in the ledger", { token_id: prepared.tokenId, run_id: runId, error: describeError(error) });
  }
}

/**
 * Tells the ledger the relay saw the run end (its wait or stream answered in full). For a stateless
 * wait or stream, LangGraph names no thread, so this is what lets the ledger alone vouch for the run's
 * callback (lib/verification/confirm.ts). A failure is logged: the callback is then left unverified.
 */
export async function markEnded(prepared: Prepared, context: TriggerContext): Promise<void> {
  try {
    await context.runtime.ledger.markEnded(prepared.tokenId);
  } catch (error) {
    context.runtime.log.warn("could not record the run's end in the ledger", { token_id: prepared.tokenId, error: describeError(error) });
  }
}

/**
 * Maps a failed start to a RelayError, deleting the thread this request created for it. With
 * `outcomeUnknown` (the call was aborted: LangGraph may have created the run all the same) the token
 * stays valid and the thread stays, so that the run, if it exists, can still call back.
 */
export function failed(error: unknown, prepared: Prepared, context: TriggerContext, options: { outcomeUnknown?: boolean } = {}): RelayError {
  const { client, threadId, createdThread } = prepared;
  if (options.outcomeUnknown === true) return upstreamError(error, prepared.secrets);
  // The token will never be used by a run of ours: it vouches for nothing from now on.
  context.runtime.background(context.runtime.ledger.revoke(prepared.tokenId).catch(() => false));
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
