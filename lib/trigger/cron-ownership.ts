// Which crons in the LangGraph deployment this relay created: the ones /api/crons lists and lets a
// caller read, change, pause and resume. A LangGraph deployment is often shared (other relays, preview
// deployments, crons made in LangSmith's UI or with the SDK): those are none of this relay's business.
//
// The proof is the cron's own webhook URL. Every cron the relay creates calls back with a cron-scoped
// token minted with WEBHOOK_SECRET for this deployment environment (lib/trigger/prepare.ts); nobody
// without the secret can make one, and a token of preview is not production's. That needs no shared
// state, so it holds where the run ledger cannot: a relay without REDIS_URL on Vercel (each function
// has its own memory ledger, so /api/crons never sees what /api/trigger wrote), a ledger entry that
// has expired, and crons created before the ledger existed.
// The ledger then sharpens it: a token it knows as another cron's was copied into this one by hand
// (a cron made in LangGraph directly with a URL lifted from a record), and that cron is not ours.
import type { Cron } from "@langchain/langgraph-sdk";
import { WEBHOOK_PATH } from "../config/public-url.js";
import type { Runtime } from "../runtime/runtime.js";
import { looksMinted, verifyMintedToken } from "../security/webhook-tokens.js";

export type CronOwnership =
  | { ours: true; tokenId: string; revoked: boolean }
  | { ours: false; reason: string };

/** The minted cron token in a cron's webhook URL, or why there is none. */
function tokenIn(cron: Pick<Cron, "payload">): { token: string } | { reason: string } {
  const webhook = cron.payload["webhook"];
  if (typeof webhook !== "string" || !URL.canParse(webhook)) return { reason: "it has no webhook" };
  const url = new URL(webhook);
  if (!url.pathname.endsWith(WEBHOOK_PATH)) return { reason: "its webhook is not a relay's" };
  const token = url.searchParams.get("token");
  if (token === null || !looksMinted(token)) return { reason: "its webhook carries no minted token" };
  return { token };
}

export async function cronOwnership(cron: Pick<Cron, "cron_id" | "thread_id" | "payload">, runtime: Runtime): Promise<CronOwnership> {
  const found = tokenIn(cron);
  if ("reason" in found) return { ours: false, reason: found.reason };
  const { config } = runtime;
  let scope;
  try {
    scope = verifyMintedToken(found.token, config.webhookSecrets, runtime.now(), config.deploymentEnvironment);
  } catch {
    return { ours: false, reason: "its token was not minted by this deployment" };
  }
  if (scope.kind !== "cron") return { ours: false, reason: "its token is a run's" };
  if (scope.threadId !== undefined && scope.threadId !== cron.thread_id) return { ours: false, reason: "its token is another thread's" };
  // Unreachable ledger: a 503 (the ledger's own error), like deleting, rather than a guess.
  const entry = await runtime.ledger.get(scope.nonce);
  if (entry?.cron_id !== undefined && entry.cron_id !== cron.cron_id) return { ours: false, reason: "its token is another cron's" };
  return { ours: true, tokenId: scope.nonce, revoked: entry?.revoked === true };
}
