// The serving process SIGKILLed while forward attempts are in flight, and started again on the same
// Redis: every acknowledged callback's forward still completes, as the README's delivery guarantee
// says — at least once, with one `webhook-id` per action across every retry. What runs is what
// deploys: the functions are bundled fresh into a temporary directory (scripts/bundle-functions.mjs,
// as `npm run build:vercel`) and served in plain node (scripts/serve-vercel-output.mjs), configured
// from the environment only. The target holds every first attempt until the kill, so they are
// mid-flight when the process dies; their leases run out (the forward's 8 s timeout + 5 s) and the
// restarted deployment's /api/sweep runs them again; the target refuses each of those once more (503),
// so the short RETRY_SCHEDULE's next step runs too. Loopback only; bounded in count and time.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { forwardMessageId } from "../../lib/routing/actions/forward.js";
import { buildOutput, serveBuiltOutput, type BuiltServer } from "../support/built-server.js";
import { fixture } from "../support/kit.js";
import { freePort } from "../support/ports.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { newSecret, TestReceiver, type ReceivedRequest } from "../support/routing.js";

const CALLBACKS = 20;
/** How long the restarted deployment is swept before the test gives up (the leases need ~13 s). */
const SWEEP_FOR_MS = 40_000;
const hasRedis = redisAvailable();
const secrets = {
  WEBHOOK_SECRET: randomBytes(16).toString("hex"),
  WEBHOOK_TOKEN: randomBytes(24).toString("hex"),
  TRIGGER_TOKEN: randomBytes(24).toString("hex"),
  CRON_SECRET: randomBytes(24).toString("hex"),
  FORWARD_SECRET: newSecret(),
};
const outDir = mkdtempSync(join(tmpdir(), "relay-sigkill-"));
const lines: string[] = [];
let redis: RedisServer | undefined;
let target: TestReceiver | undefined;
let server: BuiltServer | undefined;
let port = 0;

beforeAll(async () => {
  if (!hasRedis) return;
  target = new TestReceiver(secrets.FORWARD_SECRET);
  [redis, , , port] = await Promise.all([startRedis(), target.listen(), buildOutput(join(outDir, "output")), freePort()]);
}, 150_000);
afterAll(async () => {
  await server?.kill();
  await target?.close();
  await redis?.stop();
  rmSync(outDir, { recursive: true, force: true });
});

/** Starts the built deployment on the test's port (the same address before and after the kill). */
function deploy(): Promise<BuiltServer> {
  return serveBuiltOutput(join(outDir, "output"), port, {
    ...secrets,
    REDIS_URL: redis?.url ?? "",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    FORWARD_URL: `${target?.url ?? ""}/in`,
    RETRY_SCHEDULE: "1s,1s,2s,2s,2s,2s",
  }, lines);
}

const runIdOf = (request: ReceivedRequest): string => String((request.body as { run?: { run_id?: unknown } } | undefined)?.run?.run_id);

it("completes every acknowledged callback's forward after the built deployment is SIGKILLed mid-attempt and restarted", async (context) => {
  if (!hasRedis || redis === undefined || target === undefined) return context.skip();
  const receiver = target;
  let killed = false;
  const refused = new Set<string>();
  const accepted = new Map<string, number>();
  receiver.respond = (request) => {
    if (!killed) return "hang";
    const id = String(request.headers["webhook-id"]);
    if (!refused.has(id)) {
      refused.add(id);
      return { status: 503, body: "still starting" };
    }
    accepted.set(id, (accepted.get(id) ?? 0) + 1);
    return { status: 200, body: "ok" };
  };

  server = await deploy();
  const prefix = `kill-${randomBytes(4).toString("hex")}`;
  const runIds = Array.from({ length: CALLBACKS }, (_, i) => `${prefix}-${i}`);
  const statuses = await Promise.all(
    runIds.map(async (runId) => {
      const response = await fetch(`${server?.url ?? ""}/api/webhook?token=${secrets.WEBHOOK_TOKEN}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...fixture("error_graph_create"), run_id: runId }),
      });
      await response.arrayBuffer();
      return response.status;
    }),
  );
  expect(statuses).toEqual(runIds.map(() => 200));
  // Every forward's first attempt is in flight (the target holds it), then the process dies without a word.
  await receiver.waitForCount(CALLBACKS, 20_000);
  await server.kill();
  killed = true;

  server = await deploy();
  const deliveryIds = runIds.map((runId) => deliveryIdFor(runId, "error"));
  const messageIds = deliveryIds.map((id) => forwardMessageId(id, "env:forward"));
  const until = Date.now() + SWEEP_FOR_MS;
  while (Date.now() < until && messageIds.some((id) => !accepted.has(id))) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const sweep = await fetch(`${server.url}/api/sweep`, { headers: { authorization: `Bearer ${secrets.CRON_SECRET}` } });
    expect(sweep.status, await sweep.clone().text()).toBe(200);
    await sweep.arrayBuffer();
  }

  // Delivered: every acknowledged callback's forward was accepted by the target.
  expect(messageIds.filter((id) => !accepted.has(id))).toEqual([]);
  // One webhook-id per action across every attempt (the held one, the refused one, the accepted one),
  // each signed: a receiver that drops repeats by webhook-id sees each event once.
  expect(receiver.requests.filter((request) => request.verified !== true)).toEqual([]);
  runIds.forEach((runId, i) => {
    const attempts = receiver.requests.filter((request) => runIdOf(request) === runId);
    expect(attempts.length, runId).toBeGreaterThanOrEqual(3);
    expect(new Set(attempts.map((request) => request.headers["webhook-id"])), runId).toEqual(new Set([messageIds[i]]));
  });
  expect(new Set(receiver.requests.map(runIdOf))).toEqual(new Set(runIds));
  // Nothing that succeeded was sent again: no attempt ran twice once the deployment was back.
  for (const id of messageIds) expect(accepted.get(id), id).toBe(1);

  // The inspector API of the restarted deployment says so too.
  for (const id of deliveryIds) {
    const detail = await fetch(`${server.url}/api/deliveries?id=${id}`, { headers: { authorization: `Bearer ${secrets.TRIGGER_TOKEN}` } });
    expect(detail.status).toBe(200);
    const body = (await detail.json()) as { delivery: { actions: { name: string; state: string }[] } };
    expect(body.delivery.actions).toEqual([expect.objectContaining({ name: "env:forward", state: "succeeded" })]);
  }
  const log = lines.join("\n");
  expect(log).not.toContain("FUNCTION_INVOCATION_FAILED");
  for (const [name, value] of Object.entries(secrets)) expect(log.includes(value), `${name} in the log`).toBe(false);
}, 90_000);
