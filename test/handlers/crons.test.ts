// /api/crons over real HTTP, against a server posing as LangGraph Platform (test/support/fake-langgraph.ts,
// which checks each request against the published CronSearch and CronPatch shapes): the list narrowed
// to the crons this relay created and paged past everyone else's, reading one, changing one while its
// token stays, pause and resume, deleting, the refusals before anything reaches LangGraph, and a
// LangGraph server without crons (as the local one is) answered 501 once the request is known valid.
// Every answer is checked against the OpenAPI document (test/support/openapi.ts).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mintedTokenId, mintWebhookToken } from "../../lib/security/webhook-tokens.js";
import { ROUTE_METADATA_KEY } from "../../lib/model/delivery.js";
import { CRON_UPDATE_MAX_BYTES } from "../../lib/handlers/crons.js";
import { expectError } from "../support/errors.js";
import { expectDocumented } from "../support/openapi.js";
import { FakeLangGraph, type RecordedRequest } from "../support/fake-langgraph.js";
import { fixture, trigger, type Json } from "../support/kit.js";
import { TEST_SECRET, TEST_TRIGGER_TOKEN } from "../support/runtime.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";

const READ_ONLY_TOKEN = "inspector-read-only-token-0123456789";
const langgraph = new FakeLangGraph();
let api: ApiServer;

beforeAll(async () => {
  await langgraph.start();
  api = await serveApi({ LANGGRAPH_API_URL: langgraph.url, INSPECTOR_TOKEN: READ_ONLY_TOKEN });
});
afterAll(async () => {
  await api.close();
  await langgraph.stop();
});
beforeEach(() => {
  langgraph.requests.length = 0;
});

/** Calls /api/crons; every answer of a served method is held to the OpenAPI document. */
async function crons(method: string, query = "", options: { token?: string | null; body?: unknown } = {}): Promise<Response> {
  const token = options.token === undefined ? TEST_TRIGGER_TOKEN : options.token;
  const response = await fetch(`${api.url}/api/crons${query}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(options.body === undefined ? {} : { "content-type": "application/json" }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  if (method !== "PUT") await expectDocumented(response, "/api/crons", method);
  return response;
}

function last(pattern: RegExp): RecordedRequest | undefined {
  return langgraph.requests.filter((r) => pattern.test(`${r.method} ${r.path}`)).at(-1);
}

/** Creates a cron through /api/trigger; returns its id and the webhook the relay handed LangGraph. */
async function createCron(fields: Json = {}): Promise<{ cronId: string; webhook: URL }> {
  const response = await trigger(api, { mode: "cron", assistant_id: "agent", schedule: "0 9 * * 1", ...fields });
  expect(response.status).toBe(201);
  const { cron_id } = (await response.json()) as { cron_id: string };
  const stored = langgraph.crons.get(cron_id);
  return { cronId: cron_id, webhook: new URL(String((stored?.["payload"] as Json)["webhook"])) };
}

/** A cron someone else made in the same LangGraph deployment. */
function foreignCron(webhook: string | undefined, fields: Json = {}): string {
  const cronId = randomUUID();
  langgraph.crons.set(cronId, {
    cron_id: cronId,
    assistant_id: randomUUID(),
    thread_id: null,
    schedule: "0 0 * * *",
    timezone: null,
    end_time: null,
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
    payload: { assistant_id: "agent", ...(webhook === undefined ? {} : { webhook }) },
    user_id: null,
    next_run_date: null,
    metadata: {},
    enabled: true,
    ...fields,
  });
  return cronId;
}

const ids = (body: { crons: Json[] }) => body.crons.map((cron) => cron["cron_id"]);

describe("GET /api/crons lists only the crons this relay created", () => {
  it("leaves out crons without a relay webhook, another relay's, a run token's and a copied token's", async () => {
    langgraph.crons.clear();
    const ours = await createCron({ assistant_id: "lister" });
    foreignCron(undefined, { payload: { assistant_id: "lister" } });
    foreignCron("https://elsewhere.example/hook", { payload: { assistant_id: "lister", webhook: "https://elsewhere.example/hook" } });
    const otherRelay = `${api.url}/api/webhook?token=${mintWebhookToken(["another-relay-secret"], { kind: "cron" })}`;
    foreignCron(otherRelay, { payload: { assistant_id: "lister", webhook: otherRelay } });
    const runToken = `${api.url}/api/webhook?token=${mintWebhookToken([TEST_SECRET], { kind: "run", environment: "production" })}`;
    foreignCron(runToken, { payload: { assistant_id: "lister", webhook: runToken } });
    const copied = ours.webhook.toString();
    foreignCron(copied, { payload: { assistant_id: "lister", webhook: copied } });

    const response = await crons("GET", "?assistant_id=lister&limit=5&offset=0");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { crons: Json[]; limit: number; offset: number; next_offset: number | null };
    // Six crons of the assistant, one ours: two pages of LangGraph's list, read to its end.
    const searches = langgraph.requests.filter((r) => r.path === "/runs/crons/search").map((r) => r.body);
    expect(searches).toEqual([
      { assistant_id: "lister", limit: 5, offset: 0 },
      { assistant_id: "lister", limit: 5, offset: 5 },
    ]);
    expect(ids(body)).toEqual([ours.cronId]);
    expect(body).toMatchObject({ limit: 5, offset: 0, next_offset: null });
    expect(String((body.crons[0]?.["payload"] as Json)["webhook"])).toBe(`${api.url}/api/webhook`);
    expect(JSON.stringify(body)).not.toMatch(/token=|v1\.[A-Za-z0-9_-]{10,}\./);
  });

  it("pages past other crons: next_offset leads through LangGraph's list to its end", async () => {
    langgraph.crons.clear();
    const ours: string[] = [];
    for (let i = 0; i < 7; i++) {
      foreignCron(undefined);
      foreignCron(undefined);
      if (i % 2 === 0) ours.push((await createCron()).cronId);
    }
    const seen: unknown[] = [];
    let offset: number | null = 0;
    let requests = 0;
    while (offset !== null) {
      const page = (await (await crons("GET", `?limit=2&offset=${offset}`)).json()) as { crons: Json[]; next_offset: number | null };
      expect(page.crons.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page));
      offset = page.next_offset;
      requests += 1;
      expect(requests).toBeLessThan(10);
    }
    expect(seen).toEqual(ours);
  });

  it("filters by thread and by enabled, passing both to LangGraph's search", async () => {
    const threadId = randomUUID();
    const { cronId } = await createCron({ thread_id: threadId });
    const body = (await (await crons("GET", `?thread_id=${threadId}`)).json()) as { crons: Json[] };
    expect(ids(body)).toEqual([cronId]);
    expect(last(/search$/)?.body).toEqual({ thread_id: threadId, limit: 10, offset: 0 });
    const paused = (await (await crons("GET", `?thread_id=${threadId}&enabled=false`)).json()) as { crons: Json[] };
    expect(paused.crons).toEqual([]);
    expect(last(/search$/)?.body).toEqual({ thread_id: threadId, enabled: false, limit: 10, offset: 0 });
  });

  it("answers 400 to an invalid query", async () => {
    await expectError(await crons("GET", "?limit=0"), 400, "invalid_request", /limit/);
    await expectError(await crons("GET", "?thread_id=abc"), 400, "invalid_request", /thread_id/);
    await expectError(await crons("GET", "?assistant=agent"), 400, "invalid_request", /assistant/);
    await expectError(await crons("GET", "?enabled=yes"), 400, "invalid_request", /enabled/);
    expect(langgraph.count("POST /runs/crons/search")).toBe(0);
  });
});

describe("GET /api/crons?cron_id=…", () => {
  it("answers one of the relay's crons, its token removed", async () => {
    const { cronId } = await createCron({ route: "weekly" });
    const response = await crons("GET", `?cron_id=${cronId}`);
    expect(response.status).toBe(200);
    const { cron } = (await response.json()) as { cron: Json };
    expect(cron).toMatchObject({ cron_id: cronId, schedule: "0 9 * * 1", enabled: true });
    expect(langgraph.count(`GET /runs/crons/${cronId}`)).toBe(1);
    expect(JSON.stringify(cron)).not.toMatch(/token=|v1\.[A-Za-z0-9_-]{10,}\./);
  });

  it("finds the cron through LangGraph's search where the server publishes no read by id", async () => {
    const { cronId } = await createCron({ route: "weekly" });
    langgraph.cronReadById = false;
    try {
      const response = await crons("GET", `?cron_id=${cronId}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { cron: Json }).cron).toMatchObject({ cron_id: cronId });
      expect(langgraph.count("POST /runs/crons/search")).toBeGreaterThan(0);
      await expectError(await crons("GET", `?cron_id=${randomUUID()}`), 404, "not_found", /among this relay's crons/);
    } finally {
      langgraph.cronReadById = true;
    }
  });

  it("answers the same 404 for another's cron and for an unknown one", async () => {
    const foreign = foreignCron(undefined);
    const unknown = randomUUID();
    const theirs = await expectError(await crons("GET", `?cron_id=${foreign}`), 404, "not_found", /among this relay's crons/);
    const none = await expectError(await crons("GET", `?cron_id=${unknown}`), 404, "not_found", /among this relay's crons/);
    expect(none.replace(unknown, "<id>")).toBe(theirs.replace(foreign, "<id>"));
    await expectError(await crons("GET", `?cron_id=${randomUUID()}&limit=2`), 400, "invalid_request", /limit/);
  });
});

describe("PATCH /api/crons?cron_id=…", () => {
  it("changes schedule, time zone, end, input, metadata and route, and keeps the cron's token", async () => {
    const { cronId, webhook } = await createCron({ route: "weekly" });
    const tokenId = mintedTokenId(webhook.searchParams.get("token") ?? "");
    const response = await crons("PATCH", `?cron_id=${cronId}`, {
      body: {
        schedule: "30 8 * * 1-5",
        timezone: "Europe/Paris",
        end_time: "2030-12-31T23:00:00Z",
        input: { messages: [{ role: "user", content: "Daily report" }] },
        metadata: { team: "ops" },
        route: "daily",
        on_completion: "keep",
      },
    });
    expect(response.status).toBe(200);
    const sent = last(/^PATCH \/runs\/crons\//);
    expect(sent?.path).toBe(`/runs/crons/${cronId}`);
    expect(sent?.body).toEqual({
      schedule: "30 8 * * 1-5",
      timezone: "Europe/Paris",
      end_time: "2030-12-31T23:00:00Z",
      input: { messages: [{ role: "user", content: "Daily report" }] },
      metadata: { team: "ops", [ROUTE_METADATA_KEY]: "daily" },
      on_run_completed: "keep",
    });
    const { cron } = (await response.json()) as { cron: Json };
    expect(cron).toMatchObject({ schedule: "30 8 * * 1-5", timezone: "Europe/Paris", end_time: "2030-12-31T23:00:00Z", on_run_completed: "keep" });
    expect(JSON.stringify(cron)).not.toMatch(/token=/);

    // Same webhook in LangGraph, same ledger entry, still valid: the cron's next run calls back as before.
    expect((langgraph.crons.get(cronId)?.["payload"] as Json)["webhook"]).toBe(webhook.toString());
    expect(await api.runtime.ledger.get(tokenId)).toMatchObject({ cron_id: cronId });
    expect((await api.runtime.ledger.get(tokenId))?.revoked).toBeUndefined();
    const callback = { ...fixture("thread_runs_create"), run_id: randomUUID(), thread_id: randomUUID() };
    expect((await fetch(webhook, { method: "POST", body: JSON.stringify(callback) })).status).toBe(200);
  });

  it("clears the end time with end_time: null", async () => {
    const { cronId } = await createCron({ end_time: "2031-01-01T00:00:00Z" });
    const response = await crons("PATCH", `?cron_id=${cronId}`, { body: { end_time: null } });
    expect(response.status).toBe(200);
    expect(last(/^PATCH /)?.body).toEqual({ end_time: null });
    expect(((await response.json()) as { cron: Json }).cron["end_time"]).toBeNull();
  });

  it("refuses a bad update before LangGraph hears of it", async () => {
    const { cronId } = await createCron();
    langgraph.requests.length = 0;
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: {} }), 400, "invalid_body", /nothing to change/);
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { schedule: "0 9 * * 8" } }), 400, "invalid_body", /day of week must be 0-7/);
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { timezone: "Europe/Atlantis" } }), 400, "invalid_body", /timezone/);
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { end_time: "soon" } }), 400, "invalid_body", /end_time/);
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { webhook: "https://attacker.example/" } }), 400, "invalid_body", /webhook/);
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { enabled: "no" } }), 400, "invalid_body", /enabled/);
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { end_time: "2020-01-01T00:00:00Z" } }), 400, "invalid_body", /end_time: is in the past/);
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { timezone: "europe/paris" } }), 400, "invalid_body", /Europe\/Paris/);
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { schedule: "0 0 31 4,6 *" } }), 400, "invalid_body", /never runs/);
    const long = await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { ["x".repeat(5000)]: 1 } }), 400, "invalid_body", /unknown key/);
    expect(long).toContain(JSON.stringify("x".repeat(40)));
    expect(long).not.toContain("x".repeat(41));
    await expectError(await crons("PATCH", "", { body: { enabled: false } }), 400, "invalid_request", /cron_id/);
    expect(langgraph.requests).toEqual([]);
  });

  it("refuses on_completion for a thread cron, and another's cron with 404, sending no PATCH", async () => {
    const { cronId } = await createCron({ thread_id: randomUUID() });
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { on_completion: "keep" } }), 400, "invalid_body", /stateless crons only/);
    const foreign = foreignCron(undefined);
    await expectError(await crons("PATCH", `?cron_id=${foreign}`, { body: { enabled: false } }), 404, "not_found");
    expect(langgraph.count(`PATCH /runs/crons/${cronId}`) + langgraph.count(`PATCH /runs/crons/${foreign}`)).toBe(0);
    expect(langgraph.crons.get(foreign)?.["enabled"]).toBe(true);
  });
});

describe("POST /api/crons?cron_id=…&action=pause|resume", () => {
  it("pauses and resumes with enabled false and true, token kept", async () => {
    const { cronId, webhook } = await createCron();
    const paused = await crons("POST", `?cron_id=${cronId}&action=pause`);
    expect(paused.status).toBe(200);
    expect(last(/^PATCH /)?.body).toEqual({ enabled: false });
    expect(((await paused.json()) as { cron: Json }).cron["enabled"]).toBe(false);
    const listed = (await (await crons("GET", "?enabled=false&limit=100")).json()) as { crons: Json[] };
    expect(ids(listed)).toContain(cronId);

    const resumed = await crons("POST", `?cron_id=${cronId}&action=resume`);
    expect(((await resumed.json()) as { cron: Json }).cron["enabled"]).toBe(true);
    expect(last(/^PATCH /)?.body).toEqual({ enabled: true });
    expect((langgraph.crons.get(cronId)?.["payload"] as Json)["webhook"]).toBe(webhook.toString());
  });

  it("answers 400 for a missing or unknown action", async () => {
    await expectError(await crons("POST", `?cron_id=${randomUUID()}`), 400, "invalid_request", /action/);
    await expectError(await crons("POST", `?cron_id=${randomUUID()}&action=stop`), 400, "invalid_request", /pause/);
    expect(langgraph.requests).toEqual([]);
  });
});

describe("DELETE /api/crons?cron_id=…", () => {
  it("revokes the cron's token, then deletes it with DELETE /runs/crons/{id}, and answers 200 {ok, cron_id}", async () => {
    const { cronId, webhook } = await createCron();
    const tokenId = mintedTokenId(webhook.searchParams.get("token") ?? "");
    const response = await crons("DELETE", `?cron_id=${cronId}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, cron_id: cronId });
    expect(langgraph.count(`DELETE /runs/crons/${cronId}`)).toBe(1);
    expect((await api.runtime.ledger.get(tokenId))?.revoked).toBe(true);
    await expectError(await crons("DELETE", `?cron_id=${cronId}`), 404, "not_found", /among this relay's crons/);
  });

  it("answers 404 for another's cron, deleting and revoking nothing", async () => {
    const otherRelay = `${api.url}/api/webhook?token=${mintWebhookToken(["another-relay-secret"], { kind: "cron" })}`;
    const foreign = foreignCron(otherRelay, { payload: { assistant_id: "agent", webhook: otherRelay } });
    await expectError(await crons("DELETE", `?cron_id=${foreign}`), 404, "not_found", /among this relay's crons/);
    await expectError(await crons("DELETE", `?cron_id=${randomUUID()}`), 404, "not_found", /among this relay's crons/);
    expect(langgraph.count(`DELETE /runs/crons/${foreign}`)).toBe(0);
    expect(langgraph.crons.has(foreign)).toBe(true);
  });

  it("leaves a cron whose delete failed revoked: shown, pausable, not changed or resumed (409) until the delete is retried", async () => {
    const { cronId, webhook } = await createCron({ assistant_id: "half-deleted" });
    const tokenId = mintedTokenId(webhook.searchParams.get("token") ?? "");
    // A 422 is not retried by the SDK: one failed delete.
    langgraph.failNext(new RegExp(`^DELETE /runs/crons/${cronId}$`), 422, { detail: "busy" });
    await expectError(await crons("DELETE", `?cron_id=${cronId}`), 422, "langgraph_rejected", /busy/);
    expect((await api.runtime.ledger.get(tokenId))?.revoked).toBe(true);

    const { cron } = (await (await crons("GET", `?cron_id=${cronId}`)).json()) as { cron: Json };
    expect(cron["revoked"]).toBe(true);
    const listed = (await (await crons("GET", "?assistant_id=half-deleted")).json()) as { crons: Json[] };
    expect(listed.crons.map((c) => c["revoked"])).toEqual([true]);
    langgraph.requests.length = 0;
    await expectError(await crons("PATCH", `?cron_id=${cronId}`, { body: { schedule: "0 8 * * 1" } }), 409, "conflict", /Retry DELETE/);
    await expectError(await crons("POST", `?cron_id=${cronId}&action=resume`), 409, "conflict", /revoked/);
    expect(langgraph.count(`PATCH /runs/crons/${cronId}`)).toBe(0);
    const paused = await crons("POST", `?cron_id=${cronId}&action=pause`);
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as { cron: Json }).cron).toMatchObject({ enabled: false, revoked: true });

    expect((await crons("DELETE", `?cron_id=${cronId}`)).status).toBe(200);
    expect(langgraph.crons.has(cronId)).toBe(false);
  });

  it("shows no revoked field for a healthy cron", async () => {
    const { cronId } = await createCron();
    const { cron } = (await (await crons("GET", `?cron_id=${cronId}`)).json()) as { cron: Json };
    expect(cron).not.toHaveProperty("revoked");
  });
});

describe("creating a cron (POST /api/trigger mode cron)", () => {
  it("refuses an end time already past, a wrong-case time zone and L after the weekday, creating nothing", async () => {
    langgraph.requests.length = 0;
    const base = { mode: "cron", assistant_id: "agent", schedule: "0 9 * * 1" };
    await expectError(await trigger(api, { ...base, end_time: "2001-01-01T00:00:00Z" }), 400, "invalid_body", /end_time: is in the past/);
    await expectError(await trigger(api, { ...base, timezone: "utc" }), 400, "invalid_body", /timezone: must be spelt exactly as in the tz database: UTC/);
    await expectError(await trigger(api, { ...base, schedule: "0 9 * * 5L" }), 400, "invalid_body", /"L5"/);
    await expectError(await trigger(api, { ...base, schedule: "0 0 30 2 *" }), 400, "invalid_body", /never runs/);
    expect(langgraph.requests).toEqual([]);
    expect((await trigger(api, { ...base, schedule: "0 9 * * L5", timezone: "UTC" })).status).toBe(201);
  });
});

describe("who may call", () => {
  it("answers 400 without cron_id, 401 without the token, 403 to the read-only token, 405 to other methods", async () => {
    await expectError(await crons("DELETE"), 400, "invalid_request", /cron_id/);
    await expectError(await crons("GET", "", { token: null }), 401, "unauthorized");
    await expectError(await crons("DELETE", `?cron_id=${randomUUID()}`, { token: "wrong" }), 401, "unauthorized");
    await expectError(await crons("GET", "", { token: READ_ONLY_TOKEN }), 403, "forbidden");
    await expectError(await crons("PATCH", `?cron_id=${randomUUID()}`, { token: READ_ONLY_TOKEN, body: { enabled: false } }), 403, "forbidden");
    const response = await crons("PUT");
    expect(response.headers.get("allow")).toBe("GET, HEAD, POST, PATCH, DELETE");
    await expectError(response, 405, "method_not_allowed");
    expect(langgraph.requests).toEqual([]);
  });
});

describe("PATCH bodies that are not an update", () => {
  it("answers malformed JSON 400, wrong types 400 and an oversized body 413, and sends LangGraph nothing", async () => {
    const { cronId } = await createCron({});
    langgraph.requests.length = 0;
    const raw = (body: string) =>
      fetch(`${api.url}/api/crons?cron_id=${cronId}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, "content-type": "application/json" },
        body,
      });
    await expectError(await raw("{not json"), 400, "invalid_json");
    await expectError(await raw(JSON.stringify({ enabled: "yes" })), 400, "invalid_body");
    await expectError(await raw(JSON.stringify({ schedule: 42 })), 400, "invalid_body");
    await expectError(await raw(JSON.stringify({ metadata: "x".repeat(CRON_UPDATE_MAX_BYTES + 1) })), 413, "payload_too_large");
    expect(langgraph.requests.filter((r) => r.method === "PATCH")).toEqual([]);
    // And it keeps serving.
    expect((await crons("GET", `?cron_id=${cronId}`)).status).toBe(200);
  });
});

describe("a LangGraph server without crons (the local one)", () => {
  const local = new FakeLangGraph();
  // The api/ functions serve one runtime per process: the last block points the served API at a
  // server that reports no crons (the top-level afterAll closes it).
  beforeAll(async () => {
    local.cronsEnabled = false;
    await local.start();
    await api.close();
    api = await serveApi({ LANGGRAPH_API_URL: local.url });
  });
  afterAll(async () => {
    await local.stop();
  });

  it("validates the cron first (400 for a bad schedule), then answers 501 naming the alternative, creating nothing", async () => {
    await expectError(await trigger(api, { mode: "cron", assistant_id: "agent", schedule: "0 9 * *" }), 400, "invalid_body", /five/);
    expect(local.requests).toEqual([]);
    const message = await expectError(
      await trigger(api, { mode: "cron", assistant_id: "agent", thread_id: "new", schedule: "0 9 * * 1", timezone: "Europe/Paris" }),
      501,
      "not_implemented",
    );
    expect(message).toMatch(/LangGraph Platform deployment/);
    expect(message).toMatch(/mode create/);
    // Asked /info, and nothing else: no thread for "new", no cron.
    expect(local.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /info"]);
  });

  it("answers 501 to listing, reading, changing and deleting, after validating the request", async () => {
    await expectError(await crons("GET"), 501, "not_implemented");
    await expectError(await crons("GET", `?cron_id=${randomUUID()}`), 501, "not_implemented");
    await expectError(await crons("PATCH", `?cron_id=${randomUUID()}`, { body: { schedule: "0 9 * * 1" } }), 501, "not_implemented");
    await expectError(await crons("PATCH", `?cron_id=${randomUUID()}`, { body: { schedule: "whenever" } }), 400, "invalid_body");
    await expectError(await crons("POST", `?cron_id=${randomUUID()}&action=pause`), 501, "not_implemented");
    await expectError(await crons("DELETE", `?cron_id=${randomUUID()}`), 501, "not_implemented");
    expect(local.requests.filter((r) => r.path !== "/info")).toEqual([]);
  });
});
