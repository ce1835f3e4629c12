// Memory of a long-running process: 100,000 distinct callbacks through the real handler with the
// memory store, in a child process run with `--expose-gc` (bench/memory-child.ts), heap measured
// after full collections. Baseline: the same process once loaded and after 1,000 warm-up deliveries.
// The memory store keeps at most MEMORY_STORE_MAX_DELIVERIES (10,000 by default), so the heap must
// level off once that many are held, and grow by less than 50 MB in all.
// Large callbacks: 100 of ~4 MB each (bench/memory-large-child.ts), RSS growth with the byte budget
// and the stored payload cap against the same process with both lifted (the store bounded in count
// only, as before them).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./types.js";

const DELIVERIES = Number(process.env["BENCH_MEMORY_DELIVERIES"] ?? 100_000);
const GROWTH_LIMIT_MB = 50;
/** Upper bound on the child's run (it takes ~1 minute here). */
const TIMEOUT_MS = 300_000;

interface ChildReport {
  baselineMb: number;
  finalMb: number;
  checkpoints: { deliveries: number; heapMb: number }[];
  retained: number;
  maxDeliveries: number;
  rssMb: number;
  ms: number;
}

function runChild(): Promise<ChildReport> {
  return runChildFile<ChildReport>("./memory-child.ts", String(DELIVERIES));
}

function runChildFile<T>(file: string, argument: string): Promise<T> {
  const entry = fileURLToPath(new URL(file, import.meta.url));
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", entry, argument], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the memory bench did not finish within ${TIMEOUT_MS / 1000} s`));
    }, TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`the memory bench child exited with ${String(code)}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as T);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

export async function benchMemory(): Promise<BenchResult[]> {
  const report = await runChild();
  const growth = report.finalMb - report.baselineMb;
  const half = report.checkpoints[Math.floor(report.checkpoints.length / 2) - 1];
  const secondHalf = half === undefined ? 0 : report.finalMb - half.heapMb;
  const curve = report.checkpoints.map((c) => `${Math.round(c.deliveries / 1000)}k: ${c.heapMb.toFixed(1)}`).join(", ");
  return [
    {
      name: `heap after ${DELIVERIES.toLocaleString("en-US")} deliveries (memory store), after full GC`,
      baseline: report.baselineMb,
      value: report.finalMb,
      ratio: report.finalMb / report.baselineMb,
      unit: "MB",
      target: `growth < ${GROWTH_LIMIT_MB} MB`,
      met: growth < GROWTH_LIMIT_MB,
      note:
        `growth ${growth.toFixed(1)} MB, of which ${secondHalf.toFixed(1)} MB over the second half; the store holds ` +
        `${report.retained.toLocaleString("en-US")} (its bound: ${report.maxDeliveries.toLocaleString("en-US")}); heap MB at ${curve}; ` +
        `RSS ${report.rssMb.toFixed(0)} MB; ${(report.ms / 1000).toFixed(0)} s`,
    },
  ];
}

interface LargeReport {
  mode: "bounded" | "budget-only" | "unbounded";
  bodyMb: number;
  before: { rssMb: number; heapMb: number };
  after: { rssMb: number; heapMb: number };
  retained: number;
  storeMb: number;
  ms: number;
}

/** Target: RSS grows by less than the budget (64 MiB) whatever the callbacks weigh. */
const LARGE_GROWTH_LIMIT_MB = 64;

export async function benchLargeCallbacks(): Promise<BenchResult[]> {
  const unbounded = await runChildFile<LargeReport>("./memory-large-child.ts", "unbounded");
  const bounded = await runChildFile<LargeReport>("./memory-large-child.ts", "bounded");
  const budgetOnly = await runChildFile<LargeReport>("./memory-large-child.ts", "budget-only");
  const growth = (report: LargeReport) => report.after.rssMb - report.before.rssMb;
  const heapGrowth = (report: LargeReport) => report.after.heapMb - report.before.heapMb;
  return [
    {
      name: `RSS growth after 100 callbacks of ${bounded.bodyMb.toFixed(1)} MB (memory store), after full GC`,
      baseline: growth(unbounded),
      value: growth(bounded),
      ratio: growth(bounded) / growth(unbounded),
      unit: "MB",
      target: `growth < ${LARGE_GROWTH_LIMIT_MB} MB`,
      met: growth(bounded) < LARGE_GROWTH_LIMIT_MB,
      note:
        `baseline: budget and payload cap lifted (count bound only, as before them); heap growth ` +
        `${heapGrowth(unbounded).toFixed(0)} → ${heapGrowth(bounded).toFixed(1)} MB; the store's records: ` +
        `${unbounded.storeMb.toFixed(0)} → ${bounded.storeMb.toFixed(2)} MB of JSON (payloads cut to 256 KiB: \`values\` dropped); ` +
        `${(unbounded.ms / 100).toFixed(0)} → ${(bounded.ms / 100).toFixed(0)} ms per callback`,
    },
    {
      name: "the same with the byte budget alone (payload cap lifted)",
      baseline: growth(unbounded),
      value: growth(budgetOnly),
      ratio: growth(budgetOnly) / growth(unbounded),
      unit: "MB",
      // The budget counts JSON bytes; the heap and the allocator add to them, so no bound is claimed here.
      note:
        `the store keeps the newest ${budgetOnly.retained} deliveries, ${budgetOnly.storeMb.toFixed(0)} MB of JSON ` +
        `(MEMORY_STORE_MAX_MB = 64); heap growth ${heapGrowth(budgetOnly).toFixed(0)} MB`,
    },
  ];
}
