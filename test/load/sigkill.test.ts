// The serving process SIGKILLed while forward attempts are in flight, and started again on the same
// Redis: every acknowledged callback's forward still completes, each accepted downstream once. The
// functions run in a child process (test/support/functions-child.ts, configured from its
// environment like a deployment); the target hangs on every request until the restart, so the
// attempts are mid-flight at the kill. Their leases run out (the forward's 8 s timeout + 5 s) and the
// next /api/sweep runs them again. Loopback only; bounded in count and time.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it } from "vitest";
import { forwardMessageId } from "../../lib/routing/actions/forward.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { fixture } from "../support/kit.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { newSecret, TestReceiver } from "../support/routing.js";
import { TEST_SECRET, TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN } from "../support/runtime.js";

const CALLBACKS = 20;
const CRON_SECRET = "sigkill-cron-secret-0123456789abcdef";
const hasRedis = redisAvailable();
let redis: RedisServer | undefined;
let target: TestReceiver | undefined;
let child: ChildProcess | undefined;
const secret = newSecret();

beforeAll(async () => {
  if (!hasRedis) return;
  redis = await startRedis({ persistence: "aof" });
  target = await new TestReceiver(secret).listen();
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await target?.close();
  await redis?.stop();
});

/** Starts the functions in a child process; resolves with its base URL. */
async function startFunctions(): Promise<{ url: string; process: ChildProcess }> {
  const proc = spawn(process.execPath, ["--import", "tsx", "test/support/functions-child.ts"], {
    cwd: new URL("../..", import.meta.url),
    env: {
      PATH: process.env["PATH"],
      PORT: "0",
      REDIS_URL: redis?.url,
      WEBHOOK_SECRET: TEST_SECRET,
      WEBHOOK_TOKEN: TEST_STATIC_TOKEN,
      TRIGGER_TOKEN: TEST_TRIGGER_TOKEN,
      CRON_SECRET,
      PUBLIC_URL: "https://relay.test",
      FORWARD_URL: `${target?.url}/in`,
      FORWARD_SECRET: secret,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the functions did not start within 60 s")), 60_000);
    lines.on("line", (line) => {
      const match = /^listening (\S+)/.exec(line);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    proc.once("exit", (code) => reject(new Error(`the functions exited (${String(code)})`)));
  });
  return { url, process: proc };
}

it("completes every acknowledged callback's forward after the serving process is SIGKILLed mid-attempt and restarted", async (context) => {
  if (!hasRedis || redis === undefined || target === undefined) return context.skip();
  let restarted = false;
  const accepted = new Map<string, number>();
  target.respond = (request) => {
    if (!restarted) return "hang";
    const id = String(request.headers["webhook-id"]);
    accepted.set(id, (accepted.get(id) ?? 0) + 1);
    return { status: 200 };
  };
  const first = await startFunctions();
  child = first.process;
  const prefix = `kill-${randomBytes(4).toString("hex")}`;
  const ids: string[] = [];
  for (let i = 0; i < CALLBACKS; i++) {
    const runId = `${prefix}-${i}`;
    const response = await fetch(`${first.url}/api/webhook?token=${TEST_STATIC_TOKEN}`, {
      method: "POST",
      body: JSON.stringify({ ...fixture("error_graph_create"), run_id: runId }),
    });
    expect(response.status).toBe(200);
    ids.push(deliveryIdFor(runId, "error"));
  }
  // Every forward is in flight (the target holds them), then the process dies without a word.
  await target.waitForCount(CALLBACKS, 30_000);
  child.kill("SIGKILL");
  await once(child, "exit");
  restarted = true;

  const second = await startFunctions();
  child = second.process;
  // The dead process's leases run out (timeout 8 s + 5 s); sweeps until every forward is accepted.
  const until = Date.now() + 60_000;
  while (Date.now() < until && ids.some((id) => !accepted.has(forwardMessageId(id, "env:forward")))) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const sweep = await fetch(`${second.url}/api/sweep`, { headers: { authorization: `Bearer ${CRON_SECRET}` } });
    expect(sweep.status).toBe(200);
  }
  for (const id of ids) expect(accepted.get(forwardMessageId(id, "env:forward")), id).toBe(1);
  for (const id of ids) {
    const detail = await fetch(`${second.url}/api/deliveries?id=${id}`, { headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}` } });
    const body = (await detail.json()) as { delivery: { actions: { name: string; state: string; attempts: unknown[] }[] } };
    expect(body.delivery.actions).toEqual([expect.objectContaining({ name: "env:forward", state: "succeeded" })]);
  }
}, 150_000);
