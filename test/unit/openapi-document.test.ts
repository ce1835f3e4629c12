// The OpenAPI document's own consistency, and the documentation's agreement with the schemas it is
// generated from: the trigger's field table and modes in docs/http-api.md are the schema's, and every
// JSON body the README and docs send to /api/trigger or PATCH /api/crons is one the relay accepts.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { API_VERSION, openApiDocument } from "../../lib/openapi/document.js";
import { parseCronUpdate } from "../../lib/trigger/cron-requests.js";
import { parseTriggerBody, TRIGGER_MODES, triggerBodySchema } from "../../lib/trigger/request.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const docs = ["README.md", ...readdirSync(new URL("../../docs/", import.meta.url)).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];
const document = openApiDocument() as unknown as {
  info: { version: string };
  paths: Record<string, Record<string, { operationId: string; security: unknown[]; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};

describe("the OpenAPI document", () => {
  it("carries package.json's version", () => {
    expect(API_VERSION).toBe((JSON.parse(read("package.json")) as { version: string }).version);
    expect(document.info.version).toBe(API_VERSION);
  });

  it("names every operation once, says who may call it, and answers something that succeeded", () => {
    const operations = Object.values(document.paths).flatMap((path) => Object.values(path));
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const operation of operations) {
      expect(Array.isArray(operation.security), operation.operationId).toBe(true);
      expect(Object.keys(operation.responses).some((status) => status.startsWith("2")), operation.operationId).toBe(true);
    }
  });

  it("refers only to components it defines", () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) expect(Object.keys(document.components.schemas), ref).toContain(ref);
  });

  it("describes the trigger body from its schema: every field, the modes, the default", () => {
    const trigger = document.components.schemas["TriggerRequest"] as { properties: Record<string, { enum?: string[]; default?: unknown }>; required: string[] };
    expect(Object.keys(trigger.properties)).toEqual(Object.keys(triggerBodySchema.shape));
    expect(trigger.properties["mode"]).toMatchObject({ enum: [...TRIGGER_MODES], default: "create" });
    expect(trigger.required).toEqual(["assistant_id"]);
  });
});

describe("the documentation agrees with the schemas", () => {
  it("lists exactly the trigger body's fields in docs/http-api.md, and its modes", () => {
    const text = read("docs/http-api.md");
    const table = /\| field \| meaning \|\n\|---\|---\|\n((?:\|.*\n)+)/.exec(text.slice(text.indexOf("## `POST /api/trigger`")))?.[1] ?? "";
    const fields = table.split("\n").flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([a-z_]+)`/g)].map((match) => match[1]));
    expect(new Set(fields)).toEqual(new Set(Object.keys(triggerBodySchema.shape)));
    const modeRow = table.split("\n").find((row) => row.startsWith("| `mode` |")) ?? "";
    expect([...modeRow.split("|")[2]!.matchAll(/`([a-z]+)`/g)].map((match) => match[1])).toEqual([...TRIGGER_MODES]);
  });

  it("sends only bodies the relay accepts in every curl to /api/trigger and PATCH /api/crons", () => {
    let checked = 0;
    for (const file of docs) {
      // A command: its lines joined where they end in a backslash.
      for (const command of read(file).replace(/\\\n\s*/g, " ").split("\n")) {
        const body = /-d '(\{.*?\})'/.exec(command)?.[1];
        if (body === undefined) continue;
        if (command.includes("/api/trigger")) {
          expect(() => parseTriggerBody(JSON.parse(body)), `${file}: ${body}`).not.toThrow();
          checked += 1;
        } else if (command.includes("-X PATCH") && command.includes("/api/crons")) {
          expect(() => parseCronUpdate(JSON.parse(body)), `${file}: ${body}`).not.toThrow();
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });
});
