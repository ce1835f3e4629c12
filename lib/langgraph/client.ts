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

const clients = new Map<string, Promise<Client>>();

export function langGraphClient(config: Config, options: LangGraphClientOptions = {}): Promise<Client> {
  const apiUrl = config.langgraphApiUrl;
  if (apiUrl === undefined) {
    return Promise.reject(notConfigured("LANGGRAPH_API_URL is not set: the relay does not know which LangGraph deployment to call."));
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 2;
  const key = JSON.stringify([apiUrl, config.langsmithApiKey ?? null, timeoutMs, maxRetries]);
  let client = clients.get(key);
  if (client === undefined) {
    client = import("@langchain/langgraph-sdk").then(
      ({ Client: SdkClient }) =>
        new SdkClient({
          apiUrl,
          // Passed explicitly (null when unset) so the SDK never picks up a stray key from the environment.
          apiKey: config.langsmithApiKey ?? null,
          timeoutMs,
          callerOptions: { maxRetries },
        }),
    );
    clients.set(key, client);
  }
  return client;
}
