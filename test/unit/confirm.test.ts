// lib/verification/confirm.ts: a callback is confirmed only by the run ledger or LangGraph's own record.
import { describe, expect, it } from "vitest";
import type { ConfirmDependencies, LedgerView, PresentedCredential, UpstreamRun } from "../../lib/verification/confirm.js";
import { confirmCallback } from "../../lib/verification/confirm.js";

const TOKEN = "v1.claims.signature";
const claim = { run_id: "run-1", thread_id: "thread-1", status: "success" };
const minted: PresentedCredential = { type: "minted", tokenId: "tok-1", kind: "run", token: TOKEN };
const cronToken: PresentedCredential = { type: "minted", tokenId: "tok-c", kind: "cron", token: TOKEN };
const staticToken: PresentedCredential = { type: "static", token: TOKEN };
const webhookWith = (token: string) => `https://relay.example/api/webhook?token=${encodeURIComponent(token)}`;

function deps(
  ledger: Record<string, LedgerView | LedgerView[]>,
  upstream: UpstreamRun | Error | undefined,
): ConfirmDependencies & { ledgerReads: number; claimed: Set<string> } {
  let clock = 0;
  const state = {
    ledgerReads: 0,
    async ledgerEntry(tokenId: string) {
      state.ledgerReads += 1;
      const value = ledger[tokenId];
      // A list plays successive reads: the ledger learns the run id while the receiver waits.
      if (Array.isArray(value)) return value[Math.min(state.ledgerReads - 1, value.length - 1)];
      return value;
    },
    getRun:
      upstream === undefined
        ? undefined
        : async () => {
            if (upstream instanceof Error) throw upstream;
            return upstream;
          },
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
    isOwnWebhook: (url: string) => new URL(url).origin === "https://relay.example" && new URL(url).pathname === "/api/webhook",
    claimed: new Set<string>(),
    async claimCallback(tokenId: string) {
      // As the ledger does: the first claim wins, and one already marked seen is lost.
      const value = ledger[tokenId];
      const entry = Array.isArray(value) ? value.at(-1) : value;
      if (state.claimed.has(tokenId) || entry?.callback_seen_at !== undefined) return false;
      state.claimed.add(tokenId);
      return true;
    },
  };
  return state;
}

const ended = (status = "success", token = TOKEN): UpstreamRun => ({ status, webhook: webhookWith(token) });

describe("minted run tokens", () => {
  it("confirms a run that LangGraph holds, ended with the claimed status and was given this webhook", async () => {
    expect(await confirmCallback(claim, minted, deps({ "tok-1": { kind: "run", run_id: "run-1", thread_id: "thread-1" } }, ended()))).toEqual({
      state: "confirmed",
      by: "langgraph",
    });
  });

  it("rejects a callback for another run than the one the token was minted for", async () => {
    const verdict = await confirmCallback({ ...claim, run_id: "run-2" }, minted, deps({ "tok-1": { kind: "run", run_id: "run-1", thread_id: "thread-1" } }, ended()));
    expect(verdict).toEqual({ state: "rejected", reason: "the token was minted for another run" });
  });

  it("waits for the ledger to learn the run id when the callback outruns the trigger's answer", async () => {
    const d = deps({ "tok-1": [{ kind: "run" }, { kind: "run" }, { kind: "run", run_id: "run-2" }] }, ended());
    const verdict = await confirmCallback(claim, minted, d);
    expect(verdict.state).toBe("rejected");
    expect(d.ledgerReads).toBe(3);
  });

  it("rejects a run that has not ended, whatever the callback says", async () => {
    const verdict = await confirmCallback(claim, minted, deps({ "tok-1": { kind: "run", run_id: "run-1", thread_id: "thread-1" } }, ended("running")));
    expect(verdict).toEqual({ state: "rejected", reason: "the run has not ended (LangGraph says running)" });
  });

  it("rejects another status than the one LangGraph recorded (a replayed run as 'error')", async () => {
    const verdict = await confirmCallback({ ...claim, status: "error" }, minted, deps({ "tok-1": { kind: "run", run_id: "run-1", thread_id: "thread-1" } }, ended()));
    expect(verdict.state).toBe("rejected");
  });

  it("rejects a token that LangGraph's run was not given (an older relay's token for another run)", async () => {
    const verdict = await confirmCallback(claim, minted, deps({}, ended("success", "v1.other.token")));
    expect(verdict).toEqual({ state: "rejected", reason: "LangGraph's run was given another webhook token" });
  });

  it("confirms a stateless run by the ledger alone: LangGraph deleted its thread before calling back", async () => {
    expect(await confirmCallback(claim, minted, deps({ "tok-1": { kind: "run", run_id: "run-1", thread_id: "thread-1" } }, "missing"))).toEqual({
      state: "confirmed",
      by: "ledger",
    });
  });

  it("vouches for a stateless run once: a second callback under another status is refused", async () => {
    const seen = { kind: "run" as const, run_id: "run-1", thread_id: "thread-1", callback_seen_at: "2026-01-01T00:00:00.000Z" };
    expect(await confirmCallback({ ...claim, status: "error" }, minted, deps({ "tok-1": seen }, "missing"))).toEqual({
      state: "rejected",
      reason: "the run has called back already, and its status cannot be checked a second time",
    });
  });

  it("refuses a callback naming another thread than the one the ledger knows for the token's run", async () => {
    const d = deps({ "tok-1": { kind: "run", run_id: "run-1", thread_id: "thread-temp" } }, "missing");
    expect(await confirmCallback({ ...claim, thread_id: "victim-thread" }, minted, d)).toEqual({
      state: "rejected",
      reason: "the token was minted for another thread",
    });
  });

  it("refuses a thread run once LangGraph no longer holds its thread: nothing can check the claim", async () => {
    const threaded: PresentedCredential = { ...minted, threadBound: true } as PresentedCredential;
    expect(await confirmCallback(claim, threaded, deps({ "tok-1": { kind: "run", run_id: "run-1", thread_id: "thread-1" } }, "missing"))).toEqual({
      state: "rejected",
      reason: "LangGraph no longer holds the run's thread",
    });
  });

  it("takes no made-up status on the ledger's word alone", async () => {
    const verdict = await confirmCallback({ ...claim, status: "refunded" }, minted, deps({ "tok-1": { kind: "run", run_id: "run-1", thread_id: "thread-1" } }, "missing"));
    expect(verdict).toEqual({ state: "rejected", reason: "refunded is not a status LangGraph sends, and cannot be checked" });
  });

  it("takes a run whose thread the relay never learned (a stateless wait or stream) only once it saw the run end", async () => {
    const noThread = { kind: "run" as const, run_id: "run-1" };
    expect(await confirmCallback({ ...claim, thread_id: "any-thread" }, minted, deps({ "tok-1": noThread }, "missing"))).toEqual({
      state: "unverified",
      reason: "the relay knows neither the run's thread nor that the run has ended",
    });
    // The relay's wait answers ~500 ms after the callback: the ledger learns the end while the receiver waits.
    const endedAt = Date.parse("2026-01-01T00:00:00.000Z");
    const ends = () => deps({ "tok-1": [noThread, noThread, { ...noThread, ended_at: new Date(endedAt).toISOString() }] }, "missing");
    expect(await confirmCallback({ ...claim, received_at: endedAt - 500 }, minted, ends())).toEqual({ state: "confirmed", by: "ledger" });
    // A callback seconds before the run ended is not LangGraph's, however the ledger reads afterwards.
    expect(await confirmCallback({ ...claim, received_at: endedAt - 4_000 }, minted, ends())).toEqual({
      state: "rejected",
      reason: "the callback came before the run ended",
    });
  });

  it("confirms only one of two callbacks the ledger alone vouches for, whatever their order", async () => {
    const d = deps({ "tok-1": { kind: "run", run_id: "run-1", thread_id: "thread-1" } }, "missing");
    const verdicts = await Promise.all([confirmCallback(claim, minted, d), confirmCallback({ ...claim, status: "error" }, minted, d)]);
    expect(verdicts.map((v) => v.state).sort()).toEqual(["confirmed", "rejected"]);
  });

  it("rejects a run neither the ledger nor LangGraph knows", async () => {
    expect((await confirmCallback(claim, minted, deps({}, "missing"))).state).toBe("rejected");
  });

  it("leaves unverified a callback it could not check, unless the ledger vouches for the run", async () => {
    expect((await confirmCallback(claim, minted, deps({}, new Error("ECONNREFUSED")))).state).toBe("unverified");
    expect(
      await confirmCallback(claim, minted, deps({ "tok-1": { kind: "run", run_id: "run-1", thread_id: "thread-1" } }, new Error("ECONNREFUSED"))),
    ).toEqual({ state: "confirmed", by: "ledger" });
  });
});

describe("minted cron tokens", () => {
  it("rejects every callback of a cron deleted through the relay", async () => {
    const verdict = await confirmCallback(claim, cronToken, deps({ "tok-c": { kind: "cron", revoked: true } }, ended()));
    expect(verdict).toEqual({ state: "rejected", reason: "the token was revoked (its cron was deleted)" });
  });

  it("rejects a made-up run of a thread cron: LangGraph keeps the cron's thread, and has no such run", async () => {
    const verdict = await confirmCallback(claim, cronToken, deps({ "tok-c": { kind: "cron", thread_id: "thread-1" } }, "missing"));
    expect(verdict).toEqual({ state: "rejected", reason: "LangGraph has no such run of this cron" });
  });

  it("takes no made-up status for a stateless cron's run, which only the ledger can vouch for", async () => {
    const verdict = await confirmCallback({ ...claim, status: "refunded" }, cronToken, deps({ "tok-c": { kind: "cron" } }, "missing"));
    expect(verdict).toEqual({ state: "rejected", reason: "refunded is not a status LangGraph sends, and cannot be checked" });
  });

  it("confirms a cron's run against LangGraph", async () => {
    expect(await confirmCallback(claim, cronToken, deps({ "tok-c": { kind: "cron" } }, ended()))).toEqual({ state: "confirmed", by: "langgraph" });
  });

  it("rejects a token whose kind the ledger contradicts", async () => {
    expect((await confirmCallback(claim, cronToken, deps({ "tok-c": { kind: "run", run_id: "run-1", thread_id: "thread-1" } }, ended()))).state).toBe("rejected");
  });
});

describe("while LangGraph is out of reach", () => {
  const down = new Error("ECONNREFUSED");
  it("the ledger vouches for its run once, with a status LangGraph sends", async () => {
    const bound = { kind: "run" as const, run_id: "run-1", thread_id: "thread-1" };
    expect(await confirmCallback(claim, minted, deps({ "tok-1": bound }, down))).toEqual({ state: "confirmed", by: "ledger" });
    expect((await confirmCallback({ ...claim, status: "refunded" }, minted, deps({ "tok-1": bound }, down))).state).toBe("unverified");
    const seen = { ...bound, callback_seen_at: "2026-01-01T00:00:00.000Z" };
    expect((await confirmCallback(claim, minted, deps({ "tok-1": seen }, down))).state).toBe("unverified");
  });
});

describe("static tokens", () => {
  it("are confirmed by LangGraph's record when LangGraph is configured", async () => {
    expect(await confirmCallback(claim, staticToken, deps({}, ended()))).toEqual({ state: "confirmed", by: "langgraph" });
    expect((await confirmCallback({ ...claim, status: "Success" }, staticToken, deps({}, ended()))).state).toBe("rejected");
  });

  it("vouch only for runs whose webhook carries that static token (or none, as with webhooks.headers)", async () => {
    expect((await confirmCallback(claim, { type: "static", token: "another-static-token" }, deps({}, ended()))).state).toBe("rejected");
    const headerOnly: UpstreamRun = { status: "success", webhook: "https://relay.example/api/webhook" };
    expect((await confirmCallback(claim, { type: "static", token: "from-a-header" }, deps({}, headerOnly))).state).toBe("confirmed");
  });

  it("vouch for no run whose webhook is another service's", async () => {
    const elsewhere: UpstreamRun = { status: "success", webhook: "https://other-team.example/hooks/langgraph" };
    expect(await confirmCallback(claim, { type: "static", token: "from-a-header" }, deps({}, elsewhere))).toEqual({
      state: "rejected",
      reason: "LangGraph's run calls another webhook than this relay's",
    });
  });

  it("are unverified for a run LangGraph no longer holds", async () => {
    expect((await confirmCallback(claim, staticToken, deps({}, "missing"))).state).toBe("unverified");
  });

  it("are routed as before on a receive-only relay (no LANGGRAPH_API_URL)", async () => {
    expect(await confirmCallback(claim, staticToken, deps({}, undefined))).toEqual({ state: "confirmed", by: "receive-only" });
  });
});
