// End to end on `npm run dev`'s own stack (startDevStack, the same launcher): the embedded official
// LangGraph server runs the example graphs and calls back /api/webhook, and the router forwards each
// event, signed, to a local receiver that verifies it.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startDevStack, type DevStack } from "../../dev/stack.js";
import { jsonLogger } from "../../lib/shared/log.js";
import { runMission } from "../support/mission.js";
import { TestReceiver } from "../support/routing.js";

const FORWARD_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
let receiver: TestReceiver;
let stack: DevStack;
const logs: string[] = [];

beforeAll(async () => {
  receiver = await new TestReceiver(FORWARD_SECRET).listen();
  stack = await startDevStack({
    port: 0,
    env: { FORWARD_URL: `${receiver.url}/hooks/langgraph`, FORWARD_SECRET },
    log: jsonLogger((line) => logs.push(line)),
  });
});

afterAll(async () => {
  // The stack (and so LangGraph) stops before the receivers it calls back.
  await stack?.stop();
  await receiver?.close();
});

it("starts runs in every mode and forwards each callback once, signed", async () => {
  expect(stack.embeddedLangGraph).toBe(true);
  expect(stack.generated.sort()).toEqual(["TRIGGER_TOKEN", "WEBHOOK_SECRET"]);
  const runs = await runMission(stack.url, stack.env["TRIGGER_TOKEN"] as string, receiver);
  expect(runs).toHaveLength(8);

  // A receiver with the wrong secret would have refused every one of them.
  const wrong = new Webhook(`whsec_${randomBytes(24).toString("base64")}`);
  const first = receiver.requests[0]!;
  expect(() => wrong.verify(first.raw, first.headers as Record<string, string>)).toThrow();

  // The generated secrets never reach a log line.
  const allLogs = logs.join("\n");
  expect(allLogs).not.toContain(stack.env["TRIGGER_TOKEN"]);
  expect(allLogs).not.toContain(stack.env["WEBHOOK_SECRET"]);
}, 180_000);
