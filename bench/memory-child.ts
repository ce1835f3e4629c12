// Child process of bench/memory.ts, run as `node --expose-gc --import tsx bench/memory-child.ts <count>`:
// a long-running process that receives `count` distinct callbacks through the real handler
// (api/webhook.ts, routes.ts, the memory store with its default bound), in-process, 50 at a time,
// and prints its heap after full GCs — once loaded and warmed up, at checkpoints, and at the end —
// as one JSON line.
import { readFileSync } from "node:fs";
import * as webhook from "../api/webhook.js";
import { jsonLogger } from "../lib/shared/log.js";
import { MemoryDeliveryStore } from "../lib/stores/memory-delivery-store.js";
import { createRuntime, setRuntime } from "../lib/runtime/runtime.js";

const COUNT = Number(process.argv[2] ?? 100_000);
const WARMUP = 1_000;
const CONCURRENCY = 50;
const CHECKPOINTS = 10;

const collect = globalThis.gc;
if (collect === undefined) throw new Error("run with node --expose-gc");

// The runtime a deployment builds from its environment; log lines are formatted, then dropped.
const runtime = createRuntime({
  env: { WEBHOOK_SECRET: "bench-secret", WEBHOOK_TOKEN: "bench-webhook-token-0123456789abcdef" },
  log: jsonLogger(() => undefined),
});
setRuntime(runtime);
const base = JSON.parse(readFileSync(new URL("../test/fixtures/thread_runs_create.json", import.meta.url), "utf8")) as Record<
  string,
  unknown
>;

let sent = 0;
async function deliver(count: number): Promise<void> {
  const end = sent + count;
  while (sent < end) {
    const batch = Math.min(CONCURRENCY, end - sent);
    await Promise.all(
      Array.from({ length: batch }, async () => {
        const runId = `mem-${sent++}`;
        const response = await webhook.POST(
          new Request("https://relay.test/api/webhook?token=bench-webhook-token-0123456789abcdef", {
            method: "POST",
            headers: { "content-type": "text/plain;charset=UTF-8" },
            body: JSON.stringify({ ...base, run_id: runId }),
          }),
        );
        if (response.status !== 200) throw new Error(`callback ${runId} answered ${response.status}`);
        await response.arrayBuffer();
      }),
    );
    await runtime.idle();
  }
}

/** Heap in use after full collections (several: weak references and finalizers settle in rounds). */
function heapMb(): number {
  for (let i = 0; i < 4; i++) collect?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const started = performance.now();
await deliver(WARMUP);
const baseline = heapMb();
const checkpoints: { deliveries: number; heapMb: number }[] = [];
for (let i = 1; i <= CHECKPOINTS; i++) {
  await deliver(Math.round((COUNT * i) / CHECKPOINTS) - (sent - WARMUP));
  checkpoints.push({ deliveries: sent - WARMUP, heapMb: heapMb() });
}
const store = runtime.store;
const retained = store instanceof MemoryDeliveryStore ? store.size : -1;
const memory = process.memoryUsage();
console.log(
  JSON.stringify({
    baselineMb: baseline,
    finalMb: checkpoints.at(-1)?.heapMb ?? baseline,
    checkpoints,
    retained,
    maxDeliveries: runtime.config.memoryMaxDeliveries,
    rssMb: memory.rss / 2 ** 20,
    ms: performance.now() - started,
  }),
);
