// The one way the relay talks to LangGraph: the official SDK, imported only when a handler needs it
// (the receiver's hot path never does), with its retries and time bounded so that a function answers
// inside its maxDuration.
import type { Client } from "@langchain/langgraph-sdk";
import type { Config } from "../config/env.js";
import { notConfigured } from "../shared/errors.js";

export interface LangGraphClientOptions {
  /** Per-request timeout. @default 30_000 */
  timeoutMs?: number;
  /** The SDK retries failed requests (POSTs included); keep it small. @default 2 */
  maxRetries?: number;
}

/** What every SDK client of the relay is built with: the deployment, its key, and bounded calls. */
export interface SdkClientSettings {
  apiUrl: string;
  /** Passed explicitly (null when unset) so the SDK never picks up a stray key from the environment. */
  apiKey: string | null;
  timeoutMs: number;
  callerOptions: { maxRetries: number };
}

/**
 * One client per deployment, key and bounds in this process, built by `build` on first use (which
 * loads the SDK). Rejects with `not_configured` when no deployment is set. Shared by every SDK client
 * the relay makes (the whole client here, the crons client in crons.ts).
 */
export function cachedSdkClient<T>(
  cache: Map<string, Promise<T>>,
  config: Config,
  options: LangGraphClientOptions,
  build: (settings: SdkClientSettings) => Promise<T>,
): Promise<T> {
  const apiUrl = config.langgraphApiUrl;
  if (apiUrl === undefined) {
    return Promise.reject(notConfigured("LANGGRAPH_API_URL is not set: the relay does not know which LangGraph deployment to call."));
  }
  const settings: SdkClientSettings = {
    apiUrl,
    apiKey: config.langsmithApiKey ?? null,
    timeoutMs: options.timeoutMs ?? 30_000,
    callerOptions: { maxRetries: options.maxRetries ?? 2 },
  };
  const key = JSON.stringify([apiUrl, settings.apiKey, settings.timeoutMs, settings.callerOptions.maxRetries]);
  let client = cache.get(key);
  if (client === undefined) {
    client = build(settings);
    cache.set(key, client);
  }
  return client;
}

const clients = new Map<string, Promise<Client>>();

export function langGraphClient(config: Config, options: LangGraphClientOptions = {}): Promise<Client> {
  return cachedSdkClient(clients, config, options, async (settings) => {
    // The client entry alone: the package root also loads the UI and message helpers (and through them
    // @langchain/core), which the relay never uses.
    const { Client: SdkClient } = await import("@langchain/langgraph-sdk/client");
    return new SdkClient(settings);
  });
}
