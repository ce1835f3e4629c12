// A claim whose reply is lost: Redis records the delivery, and the answer never reaches the receiver
// (a TCP proxy in front of a real redis-server drops it and the connection with it). The receiver
// answers 503, so LangGraph retries — and the retry is a duplicate. Before, only a floating promise
// in the dead request could route it; now the claim itself enqueued the delivery's routing item, and
// the sweep routes it once the receiver's lease has run out: routed exactly once, never twice.
import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { handleWebhook } from "../../lib/handlers/webhook.js";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { custom, defineRoutes } from "../../lib/routing/index.js";
import { RedisDeliveryStore } from "../../lib/stores/redis-delivery-store.js";
import { DEFAULT_ROUTE_LEASE_MS } from "../../lib/stores/due-work.js";
import { runSweep } from "../../lib/sweep/sweep.js";
import { fixture } from "../support/kit.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";
import { createTestRuntime, TEST_STATIC_TOKEN } from "../support/runtime.js";

/** A loopback TCP proxy to Redis that, once armed, swallows the next reply and cuts the connection. */
class ReplyDroppingProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #armed = false;
  dropped = 0;
  port = 0;

  constructor(private readonly target: number) {
    this.#server = createServer((client: Socket) => {
      const upstream = createConnection({ host: "127.0.0.1", port: this.target });
      this.#sockets.add(client).add(upstream);
      client.on("data", (chunk) => upstream.write(chunk));
      upstream.on("data", (chunk) => {
        if (this.#armed) {
          // The command ran in Redis; its answer goes nowhere, and neither does the connection.
          this.#armed = false;
          this.dropped += 1;
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", close);
      upstream.on("error", close);
      client.on("close", close);
      upstream.on("close", close);
    });
  }

  async listen(): Promise<this> {
    this.#server.listen(0, "127.0.0.1");
    await once(this.#server, "listening");
    const address = this.#server.address();
    this.port = typeof address === "object" && address !== null ? address.port : 0;
    return this;
  }

  arm(): void {
    this.#armed = true;
  }

  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const hasRedis = redisAvailable();
let redis: RedisServer | undefined;
let proxy: ReplyDroppingProxy | undefined;
beforeAll(async () => {
  if (!hasRedis) return;
  redis = await startRedis();
  proxy = await new ReplyDroppingProxy(redis.port).listen();
});
afterAll(async () => {
  await proxy?.close();
  await redis?.stop();
});

it("routes a delivery whose claim reply was lost exactly once: the 503's retry is a duplicate, the sweep routes it after the lease", async (context) => {
  if (!hasRedis || redis === undefined || proxy === undefined) return context.skip();
  const prefix = `lost-reply-${randomBytes(4).toString("hex")}:`;
  const ran: string[] = [];
  const router = defineRoutes([{ on: "*", actions: [custom({ name: "once", handler: (event) => void ran.push(event.delivery_id) })] }], {
    envDefaults: false,
  });
  // The receiver reaches Redis through the proxy; a later sweep (another function) directly.
  const receiverStore = new RedisDeliveryStore({ url: `redis://127.0.0.1:${proxy.port}`, prefix, operationTimeoutMs: 1_000 });
  const receiver = createTestRuntime({}, { store: receiverStore });
  const payload = { ...fixture("error_graph_create"), run_id: `run-${randomBytes(6).toString("hex")}` };
  const post = () =>
    handleWebhook(
      new Request(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`, { method: "POST", body: JSON.stringify(payload) }),
      receiver,
      router,
    ).catch((error: unknown) => error);

  // Warm up through the proxy: connected, and the claim script loaded in Redis (it runs by EVALSHA;
  // a first call's NOSCRIPT reply is not the reply this test means to lose). Its routing is not counted.
  const warmUp = { ...payload, run_id: `run-${randomBytes(6).toString("hex")}` };
  await handleWebhook(
    new Request(`https://relay.test/api/webhook?token=${TEST_STATIC_TOKEN}`, { method: "POST", body: JSON.stringify(warmUp) }),
    receiver,
    router,
  );
  await receiver.idle();
  ran.length = 0;
  proxy.arm();
  const first = await post();
  expect(proxy.dropped).toBe(1);
  expect(first).toMatchObject({ status: 503 });
  await receiver.idle();

  // LangGraph's retry of the 503: the delivery is recorded, so it is a duplicate and routes nothing.
  // (LangGraph waits before it retries; the client reconnects meanwhile.)
  let retry = await post();
  for (let tries = 0; tries < 20 && !(retry instanceof Response); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    retry = await post();
  }
  expect(retry).toBeInstanceOf(Response);
  expect(await (retry as Response).json()).toMatchObject({ ok: true, duplicate: true });
  await receiver.idle();
  const id = deliveryIdFor(String(payload["run_id"]), "error");
  expect(ran).toEqual([]);
  // A sweep within the receiver's lease leaves it; once the lease ran out, it routes it once.
  let now = Date.now();
  const sweeperStore = new RedisDeliveryStore({ url: redis.url, prefix, now: () => now });
  expect((await sweeperStore.get(id))?.routing).toBe("pending");
  const sweeper = createTestRuntime({}, { store: sweeperStore, now: () => now });
  expect(await runSweep(sweeper, router, { deadline: now + 10_000, steps: [] })).toMatchObject({ routed: 0 });
  now += DEFAULT_ROUTE_LEASE_MS + 1_000;
  expect(await runSweep(sweeper, router, { deadline: now + 10_000, steps: [] })).toMatchObject({ routed: 1 });
  expect(await runSweep(sweeper, router, { deadline: now + 10_000, steps: [] })).toMatchObject({ routed: 0, attempted: 0 });
  expect(ran).toEqual([id]);
  expect(await sweeperStore.get(id)).toMatchObject({ routing: "done", verification: { state: "confirmed" }, actions: [{ name: "once", state: "succeeded" }] });
  await sweeper.idle();
  await receiverStore.close();
  await sweeperStore.close();
});
