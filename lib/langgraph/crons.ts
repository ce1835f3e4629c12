// LangGraph's crons, through the SDK's own CronsClient plus the two calls of the published API it does
// not wrap yet: `GET /runs/crons/{cron_id}` (one cron) and `GET /info` (whether this server has crons
// at all). Subclassing keeps the SDK's headers, timeouts, retries and errors for them.
//
// Whether a server has crons: `/info` says so in `flags.crons`. The local JS server (`npm run dev`)
// says false — it answers every cron call with a bare 500 "Not implemented" — so the relay asks once
// per deployment URL and answers a clear 501 instead. A server that does not answer /info is taken to
// have crons (older Platform servers): the cron call itself then says what is wrong.
import type { Cron } from "@langchain/langgraph-sdk";
import type { CronsClient } from "@langchain/langgraph-sdk/client";
import type { Config } from "../config/env.js";
import { RelayError } from "../shared/errors.js";
import { asRecord } from "../shared/json.js";
import { cachedSdkClient, type LangGraphClientOptions } from "./client.js";

export interface CronsApi extends Pick<CronsClient, "create" | "createForThread" | "update" | "delete" | "search"> {
  /** `GET /runs/crons/{cron_id}`. */
  get(cronId: string): Promise<Cron>;
  /** `GET /info`: the server's version and feature flags. */
  info(): Promise<unknown>;
}

const clients = new Map<string, Promise<CronsApi>>();

/** The search fallback of `get`: at most this many crons looked through (the function has 30 s). */
const SEARCH_PAGE_SIZE = 100;
const SEARCH_PAGES = 5;

/** The crons client of the deployment `config` names, loaded (with the SDK) on first use. */
export function langGraphCrons(config: Config, options: LangGraphClientOptions = {}): Promise<CronsApi> {
  return cachedSdkClient(clients, config, options, async (settings) => {
    const { CronsClient } = await import("@langchain/langgraph-sdk/client");
    class RelayCronsClient extends CronsClient implements CronsApi {
      async get(cronId: string): Promise<Cron> {
        try {
          return await this.fetch<Cron>(`/runs/crons/${encodeURIComponent(cronId)}`);
        } catch (error) {
          // Not every server publishes a read by id (the SDKs wrap none): a 404 or 405 may mean the
          // route, not the cron, is missing. Look for it in the search instead, a bounded number of pages.
          const status = (error as { status?: unknown } | null)?.status;
          if (status !== 404 && status !== 405) throw error;
          for (let page = 0; page < SEARCH_PAGES; page++) {
            const crons = await this.search({ limit: SEARCH_PAGE_SIZE, offset: page * SEARCH_PAGE_SIZE });
            const found = crons.find((cron) => cron.cron_id === cronId);
            if (found !== undefined) return found;
            if (crons.length < SEARCH_PAGE_SIZE) break;
          }
          // Not found in the search either: a 404, whichever way the read by id failed.
          throw status === 404 ? error : Object.assign(new Error("Cron not found"), { status: 404, text: '{"detail":"Cron not found"}' });
        }
      }
      info(): Promise<unknown> {
        return this.fetch<unknown>("/info");
      }
    }
    return new RelayCronsClient(settings);
  });
}

/** What /info said about crons, per deployment URL: asked once per process. */
const support = new Map<string, Promise<boolean>>();

/** The published flag, read leniently: only an explicit `false` means "no crons". */
export function cronsFlag(info: unknown): boolean {
  return asRecord(asRecord(info)?.["flags"])?.["crons"] !== false;
}

export const CRONS_NOT_IMPLEMENTED_MESSAGE =
  "This LangGraph server has no crons (its /info says crons: false — the local server of `npm run dev` is one): " +
  "the request is valid, but crons need a LangGraph Platform deployment. Point LANGGRAPH_API_URL at one, or " +
  "start runs with mode create and schedule them yourself (e.g. a Vercel cron calling /api/trigger).";

/**
 * Throws 501 `not_implemented` when the deployment says it has no crons. Call after the request is
 * validated (so a typo is still a 400 locally) and before anything is created.
 */
export async function assertCronsSupported(config: Config, crons: CronsApi): Promise<void> {
  const apiUrl = config.langgraphApiUrl ?? "";
  let known = support.get(apiUrl);
  if (known === undefined) {
    known = crons.info().then(cronsFlag, () => {
      // Not remembered: a server that was down a moment ago may answer next time.
      support.delete(apiUrl);
      return true;
    });
    support.set(apiUrl, known);
  }
  if (!(await known)) throw new RelayError(501, "not_implemented", CRONS_NOT_IMPLEMENTED_MESSAGE);
}
