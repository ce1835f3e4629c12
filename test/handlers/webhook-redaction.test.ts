// Redaction end to end: a callback whose config, context and metadata hold secrets at several depths
// goes through the real /api/webhook; the stored record, /api/deliveries (list and detail), the log
// and the forwarded body hold none of them.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as deliveries from "../../api/deliveries.js";
import * as webhook from "../../api/webhook.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { REDACTED } from "../../lib/model/redaction.js";
import { setRuntime } from "../../lib/runtime/runtime.js";
import { newSecret, TestReceiver } from "../support/routing.js";
import { installTestRuntime, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN, type TestRuntime } from "../support/runtime.js";

type Json = Record<string, unknown>;

const fixture = (): Json =>
  JSON.parse(readFileSync(new URL("../fixtures/thread_runs_create.json", import.meta.url), "utf8")) as Json;

const SECRETS = {
  nestedHeader: "secret-nested-authorization",
  arrayApiKey: "secret-array-api-key",
  contextCredential: "secret-context-password",
  contextCamel: "secret-context-openai-key",
  kwargsMetadata: "secret-kwargs-metadata-key",
  runMetadata: "secret-run-metadata-token",
  listedByUser: "secret-tenant-ref",
};

function payloadWithSecrets(): Json {
  const payload = fixture();
  payload["run_id"] = "redaction-run";
  payload["metadata"] = { ...(payload["metadata"] as Json), openai_api_key: SECRETS.runMetadata };
  const kwargs = payload["kwargs"] as Json;
  const config = kwargs["config"] as Json;
  config["configurable"] = {
    ...(config["configurable"] as Json),
    upstream: { headers: { Authorization: `Bearer ${SECRETS.nestedHeader}`, "x-request-id": "req-7" } },
    providers: [{ name: "openai", api_key: SECRETS.arrayApiKey }, { name: "local" }],
  };
  kwargs["context"] = { db: { user: "app", password: SECRETS.contextCredential }, openaiApiKey: SECRETS.contextCamel, "Tenant-Ref": SECRETS.listedByUser };
  kwargs["metadata"] = { "x-api-key": SECRETS.kwargsMetadata, max_tokens: 256 };
  return payload;
}

let runtime: TestRuntime;
let receiver: TestReceiver;
const forwardSecret = newSecret();

beforeEach(async () => {
  receiver = await new TestReceiver(forwardSecret).listen();
  runtime = installTestRuntime({ FORWARD_URL: `${receiver.url}/in`, FORWARD_SECRET: forwardSecret, REDACT_KEYS: "tenant_ref" });
});
afterEach(async () => {
  await runtime.idle();
  setRuntime(undefined);
  await receiver.close();
});

async function getDeliveries(query: string): Promise<string> {
  const response = await deliveries.GET(
    new Request(`https://relay.test/api/deliveries${query}`, { headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` } }),
  );
  expect(response.status).toBe(200);
  return response.text();
}

describe("POST /api/webhook redacts nested config, context and metadata", () => {
  it("stores, lists, logs and forwards the delivery without any secret from nested config, context or metadata", async () => {
    const payload = payloadWithSecrets();
    const response = await webhook.POST(
      new Request(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
      }),
    );
    expect(response.status).toBe(200);
    await runtime.idle();
    await receiver.waitForCount(1);

    const id = deliveryIdFor("redaction-run", "success");
    const record = await runtime.store.get(id);
    const seen = {
      stored: JSON.stringify(record),
      listed: await getDeliveries(""),
      detail: await getDeliveries(`?id=${id}`),
      logged: runtime.logs.join("\n"),
      forwarded: receiver.requests.map((request) => request.raw).join("\n"),
    };
    for (const [where, text] of Object.entries(seen)) {
      for (const secret of Object.values(SECRETS)) expect(text, `${secret} in ${where}`).not.toContain(secret);
    }

    expect(receiver.requests[0]?.verified).toBe(true);
    expect(seen.forwarded).toContain(REDACTED);

    // Redacted in place: the shape and the harmless values are kept.
    const kwargs = record?.payload.kwargs as Json;
    const configurable = (kwargs["config"] as Json)["configurable"] as Json;
    expect(configurable["upstream"]).toEqual({ headers: { Authorization: REDACTED, "x-request-id": "req-7" } });
    expect(configurable["providers"]).toEqual([{ name: "openai", api_key: REDACTED }, { name: "local" }]);
    expect(configurable["thread_id"]).toBe(payload["thread_id"]);
    expect(kwargs["context"]).toEqual({ db: { user: "app", password: REDACTED }, openaiApiKey: REDACTED, "Tenant-Ref": REDACTED });
    expect(kwargs["metadata"]).toEqual({ "x-api-key": REDACTED, max_tokens: 256 });
    expect(record?.payload.metadata).toMatchObject({ graph_id: "agent", openai_api_key: REDACTED });
    expect(record?.graph_id).toBe("agent");
    expect(JSON.parse(seen.detail)).toMatchObject({ delivery: { payload: { kwargs: { context: { openaiApiKey: REDACTED } } } } });
  });
});
