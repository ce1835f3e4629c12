// A benchmark target in its own process, so the load generator does not share its event loop.
// Usage: tsx bench/target.ts <bare|memory|redis> [redisUrl]; prints `PORT <n>` once listening.
//   bare   — @hono/node-server (the adapter `npm run dev` uses) reading the body and answering 200
//   memory — the same adapter serving api/webhook.ts with the in-memory store
//   redis  — the same, with the Redis store
import { serve } from "@hono/node-server";
import * as webhook from "../api/webhook.js";
import { jsonLogger } from "../lib/shared/log.js";
import { createRuntime, setRuntime } from "../lib/runtime/runtime.js";

const mode = process.argv[2] ?? "bare";
const redisUrl = process.argv[3];

let handle: (request: Request) => Promise<Response>;
if (mode === "bare") {
  handle = async (request) => {
    await request.arrayBuffer();
    return new Response('{"ok":true}', { status: 200, headers: { "content-type": "application/json" } });
  };
} else {
  setRuntime(
    createRuntime({
      env: {
        WEBHOOK_SECRET: "bench-secret",
        WEBHOOK_TOKEN: "bench-webhook-token-0123456789abcdef",
        ...(mode === "redis" && redisUrl !== undefined ? { REDIS_URL: redisUrl } : {}),
      },
      // Logging costs the same everywhere; it goes to /dev/null here so the terminal is not the bottleneck.
      log: jsonLogger(() => undefined),
    }),
  );
  handle = (request) => webhook.POST(request);
}

const server = serve({ fetch: handle, port: 0, hostname: "127.0.0.1" }, (info) => {
  console.log(`PORT ${info.port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
