// GET /api/openapi.json, held to what the relay does: the document is a valid OpenAPI 3.1 document
// (checked with @seriousme/openapi-schema-validator), lists every function and every method each
// serves, every example request it shows is accepted by the real handler, and the answers of every
// operation — errors included — match the schemas it documents for them. Over real HTTP, against a
// server posing as LangGraph Platform (crons, runs ending at once, run records the test sets).
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cronUpdateExamples, triggerExamples, webhookExamples } from "../../lib/openapi/examples.js";
import { FakeLangGraph } from "../support/fake-langgraph.js";
import { trigger, type Json } from "../support/kit.js";
import { documentedMethods, expectDocumented } from "../support/openapi.js";
import { TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN } from "../support/runtime.js";
import { type ApiServer, serveApi } from "../support/serve-api.js";

const READ_ONLY_TOKEN = "inspector-read-only-token-0123456789";
const langgraph = new FakeLangGraph();
let api: ApiServer;

beforeAll(async () => {
  await langgraph.start();
  // Forwarding to a path the fake does not serve: every forward fails (404, final), so replay has work.
  api = await serveApi({ LANGGRAPH_API_URL: langgraph.url, INSPECTOR_TOKEN: READ_ONLY_TOKEN, FORWARD_URL: `${langgraph.url}/nowhere` });
});
afterAll(async () => {
  await api.close();
  await langgraph.stop();
});

interface Call {
  method: string;
  path: string;
  query?: string;
  token?: string | null;
  body?: unknown;
  raw?: string;
}

/** Calls the served API and asserts the answer is documented; returns the response, body unread. */
async function call({ method, path, query = "", token = TEST_TRIGGER_TOKEN, body, raw }: Call): Promise<Response> {
  const response = await fetch(`${api.url}${path}${query}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await expectDocumented(response, path, method);
  return response;
}

const jsonOf = async (response: Response) => (await response.json()) as Json;

describe("GET /api/openapi.json", () => {
  it("serves a valid OpenAPI 3.1 document without a token, at /api/openapi too", async () => {
    const response = await call({ method: "GET", path: "/api/openapi.json", token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const document = await jsonOf(response);
    expect(document["openapi"]).toBe("3.1.0");
    expect(document["servers"]).toEqual([{ url: api.url }]);
    const result = await new Validator().validate(structuredClone(document) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(await (await fetch(`${api.url}/api/openapi`)).json()).toEqual(document);
  });

  it("documents every function in api/ and exactly the methods each serves", async () => {
    const names = readdirSync(new URL("../../api/", import.meta.url)).filter((file) => file.endsWith(".ts")).map((file) => file.slice(0, -3));
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) {
      const path = name === "openapi" ? "/api/openapi.json" : `/api/${name}`;
      // PUT is served by no function: its 405 says which methods are.
      const refused = await fetch(`${api.url}${path}`, { method: "PUT" });
      expect(refused.status).toBe(405);
      const served = (refused.headers.get("allow") ?? "").split(", ").filter((method) => method !== "HEAD").map((method) => method.toLowerCase());
      expect(documentedMethods(path).sort(), path).toEqual(served.sort());
    }
  });
});

describe("every example request in the document", () => {
  it.each(Object.entries(triggerExamples))("POST /api/trigger %s is accepted, and answered as documented", async (_name, example) => {
    const response = await call({ method: "POST", path: "/api/trigger", body: example.value });
    expect(response.status).toBeLessThan(300);
    await response.text();
  });

  it.each(Object.entries(cronUpdateExamples))("PATCH /api/crons %s is accepted, and answered as documented", async (_name, example) => {
    const created = await jsonOf(await call({ method: "POST", path: "/api/trigger", body: triggerExamples.cron.value }));
    const response = await call({ method: "PATCH", path: "/api/crons", query: `?cron_id=${String(created["cron_id"])}`, body: example.value });
    expect(response.status).toBe(200);
  });

  it.each(Object.entries(webhookExamples))("POST /api/webhook %s is accepted, and answered as documented", async (_name, example) => {
    const response = await call({ method: "POST", path: "/api/webhook", query: `?token=${TEST_STATIC_TOKEN}`, token: null, body: example.value });
    expect(response.status).toBe(200);
  });
});

describe("every operation's answers, errors included, match the document", () => {
  it("POST /api/trigger", async () => {
    const statuses = [
      (await call({ method: "POST", path: "/api/trigger", body: { assistant_id: "agent" } })).status,
      (await call({ method: "POST", path: "/api/trigger", body: { assistant_id: "agent", mode: "later" } })).status,
      (await call({ method: "POST", path: "/api/trigger", raw: "{" })).status,
      (await call({ method: "POST", path: "/api/trigger", token: null, body: { assistant_id: "agent" } })).status,
      (await call({ method: "POST", path: "/api/trigger", token: READ_ONLY_TOKEN, body: { assistant_id: "agent" } })).status,
      (await call({ method: "POST", path: "/api/trigger", body: { assistant_id: "missing" } })).status,
      (await call({ method: "POST", path: "/api/trigger", raw: JSON.stringify({ assistant_id: "agent", input: { big: "x".repeat(1024 * 1024) } }) })).status,
    ];
    expect(statuses).toEqual([202, 400, 400, 401, 403, 404, 413]);
  });

  it("/api/crons", async () => {
    const { cron_id: cronId } = await jsonOf(await call({ method: "POST", path: "/api/trigger", body: triggerExamples.cron.value }));
    const statuses = [
      (await call({ method: "GET", path: "/api/crons" })).status,
      (await call({ method: "GET", path: "/api/crons", query: `?cron_id=${String(cronId)}` })).status,
      (await call({ method: "GET", path: "/api/crons", query: `?cron_id=${randomUUID()}` })).status,
      (await call({ method: "GET", path: "/api/crons", query: "?limit=many" })).status,
      (await call({ method: "PATCH", path: "/api/crons", query: `?cron_id=${String(cronId)}`, body: { schedule: "@hourly" } })).status,
      (await call({ method: "PATCH", path: "/api/crons", query: `?cron_id=${String(cronId)}`, body: { schedule: "hourly" } })).status,
      (await call({ method: "POST", path: "/api/crons", query: `?cron_id=${String(cronId)}&action=pause` })).status,
      (await call({ method: "POST", path: "/api/crons", query: `?cron_id=${String(cronId)}&action=resume`, token: READ_ONLY_TOKEN })).status,
      (await call({ method: "DELETE", path: "/api/crons", query: `?cron_id=${String(cronId)}` })).status,
      (await call({ method: "DELETE", path: "/api/crons", query: `?cron_id=${String(cronId)}` })).status,
      (await call({ method: "DELETE", path: "/api/crons", query: `?cron_id=${String(cronId)}`, token: null })).status,
    ];
    expect(statuses).toEqual([200, 200, 404, 400, 200, 400, 200, 403, 200, 404, 401]);
  });

  it("/api/webhook and /api/deliveries, a replay included", async () => {
    // A run of ours that ends: its callback is confirmed, routed to the failing forward, and replayed.
    const started = await jsonOf(await call({ method: "POST", path: "/api/trigger", body: { assistant_id: "agent", thread_id: "new" } }));
    const run = langgraph.runs.get(String(started["run_id"]));
    if (run === undefined) throw new Error("the fake holds no such run");
    run["status"] = "success";
    const webhook = String((run["kwargs"] as Json)["webhook"]);
    const callback = { run_id: started["run_id"], thread_id: started["thread_id"], assistant_id: run["assistant_id"], status: "success", values: {} };
    const hook = `?${new URL(webhook).searchParams.toString()}`;
    const ack = await jsonOf(await call({ method: "POST", path: "/api/webhook", query: hook, token: null, body: callback }));
    await api.runtime.idle();
    const id = String(ack["delivery_id"]);
    const statuses = [
      (await call({ method: "POST", path: "/api/webhook", query: hook, token: null, body: callback })).status,
      (await call({ method: "POST", path: "/api/webhook", query: hook, token: null, body: { run_id: 1 } })).status,
      (await call({ method: "POST", path: "/api/webhook", query: "?token=wrong", token: null, body: callback })).status,
      (await call({ method: "GET", path: "/api/deliveries", token: READ_ONLY_TOKEN })).status,
      (await call({ method: "GET", path: "/api/deliveries", query: `?id=${id}`, token: READ_ONLY_TOKEN })).status,
      (await call({ method: "GET", path: "/api/deliveries", query: "?id=dlv_000000000000000000000000" })).status,
      (await call({ method: "GET", path: "/api/deliveries", query: "?limit=0" })).status,
      (await call({ method: "GET", path: "/api/deliveries", token: null })).status,
      (await call({ method: "POST", path: "/api/deliveries", query: `?id=${id}&replay=1`, token: READ_ONLY_TOKEN })).status,
    ];
    expect(statuses).toEqual([200, 400, 401, 200, 200, 404, 400, 401, 403]);
    const replay = await call({ method: "POST", path: "/api/deliveries", query: `?id=${id}&replay=1` });
    expect(replay.status).toBe(200);
    expect(((await jsonOf(replay))["replayed"] as Json[]).map((action) => action["state"])).toEqual(["failed"]);
    expect((await call({ method: "POST", path: "/api/deliveries", query: `?id=${id}&replay=1&action=nope` })).status).toBe(404);
  });
});

describe("the crons' schemas say what the handlers refuse", () => {
  it("an empty cron update (minProperties 1), mode-cron-only trigger fields, a revoked cron, 404 and 409", async () => {
    const { openApiDocument } = await import("../../lib/openapi/document.js");
    const doc = JSON.parse(JSON.stringify(openApiDocument())) as {
      components: { schemas: Record<string, { minProperties?: number; properties: Record<string, { description?: string }> }> };
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    };
    const { schemas } = doc.components;
    expect(schemas["CronUpdate"]?.minProperties).toBe(1);
    for (const field of ["schedule", "timezone", "end_time"]) {
      expect(schemas["TriggerRequest"]?.properties[field]?.description).toMatch(/^Mode cron only/);
    }
    expect(schemas["Cron"]?.properties["revoked"]?.description).toMatch(/revoked/);
    const crons = doc.paths["/api/crons"] ?? {};
    expect(crons["delete"]?.responses["404"]?.description).toMatch(/^not_found/);
    expect(crons["patch"]?.responses["409"]?.description).toMatch(/^conflict/);
    expect(crons["post"]?.responses["409"]?.description).toMatch(/^conflict/);
  });
});
