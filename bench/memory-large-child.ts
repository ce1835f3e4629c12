// Child process of bench/memory.ts, run as `node --expose-gc --import tsx bench/memory-large-child.ts
// <bounded|budget-only|unbounded>`: 100 callbacks of ~4 MB each (a chat thread's `values`, 4,000 messages) through
// the real handler into the memory store, one at a time, and the process's RSS and heap after full GCs
// before and after, as one JSON line. `bounded` is this version's defaults (64 MiB budget, payloads cut
// at 256 KiB); `budget-only` lifts the payload cap, so that the byte budget alone holds the line;
// `unbounded` lifts both, which is how the store behaved before them (bounded in count only: 100
// deliveries are far below its 10,000).
import { readFileSync } from "node:fs";
import * as webhook from "../api/webhook.js";
import { jsonLogger } from "../lib/shared/log.js";
import { MemoryDeliveryStore } from "../lib/stores/memory-delivery-store.js";
import { createRuntime, setRuntime } from "../lib/runtime/runtime.js";

const MODES = ["bounded", "budget-only", "unbounded"] as const;
const MODE = MODES.find((mode) => mode === process.argv[2]) ?? "bounded";
const LIFTED = { MEMORY_STORE_MAX_MB: "1000000", STORED_PAYLOAD_MAX_KB: "100000000" };
const CALLBACKS = 100;
const MESSAGES = 4_000;

const collect = globalThis.gc;
if (collect === undefined) throw new Error("run with node --expose-gc");

const runtime = createRuntime({
  env: {
    WEBHOOK_SECRET: "bench-secret",
    WEBHOOK_TOKEN: "bench-webhook-token-0123456789abcdef",
    ...(MODE === "unbounded" ? LIFTED : {}),
    ...(MODE === "budget-only" ? { STORED_PAYLOAD_MAX_KB: LIFTED.STORED_PAYLOAD_MAX_KB } : {}),
  },
  log: jsonLogger(() => undefined),
});
setRuntime(runtime);
const base = JSON.parse(readFileSync(new URL("../test/fixtures/thread_runs_create.json", import.meta.url), "utf8")) as Record<string, unknown>;
const template = JSON.stringify({
  ...base,
  run_id: "__RUN__",
  values: { messages: Array.from({ length: MESSAGES }, (_, i) => ({ type: i % 2 === 0 ? "human" : "ai", id: `m-${i}`, content: `message ${i} `.padEnd(960, "x") })) },
});

async function deliver(runId: string, body: string): Promise<void> {
  const response = await webhook.POST(
    new Request("https://relay.test/api/webhook?token=bench-webhook-token-0123456789abcdef", { method: "POST", body: body.replace("__RUN__", runId) }),
  );
  if (response.status !== 200) throw new Error(`callback ${runId} answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
  await runtime.idle();
}

function measure(): { rssMb: number; heapMb: number } {
  for (let i = 0; i < 4; i++) collect?.();
  const memory = process.memoryUsage();
  return { rssMb: memory.rss / 2 ** 20, heapMb: memory.heapUsed / 2 ** 20 };
}

const small = JSON.stringify({ ...base, run_id: "__RUN__" });
for (let i = 0; i < 20; i++) await deliver(`warm-${i}`, small);
const before = measure();
const started = performance.now();
for (let i = 0; i < CALLBACKS; i++) await deliver(`large-${i}`, template);
const after = measure();
const store = runtime.store;
console.log(
  JSON.stringify({
    mode: MODE,
    bodyMb: template.length / 2 ** 20,
    before,
    after,
    retained: store instanceof MemoryDeliveryStore ? store.size : -1,
    storeMb: store instanceof MemoryDeliveryStore ? store.bytes / 2 ** 20 : -1,
    ms: performance.now() - started,
  }),
);
