// Memory of a long-running process: 100,000 distinct callbacks through the real handler with the
// memory store, in a child process run with `--expose-gc` (bench/memory-child.ts), heap measured
// after full collections. Baseline: the same process once loaded and after 1,000 warm-up deliveries.
// The memory store keeps at most MEMORY_STORE_MAX_DELIVERIES (10,000 by default), so the heap must
// level off once that many are held, and grow by less than 50 MB in all.
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
  const entry = fileURLToPath(new URL("./memory-child.ts", import.meta.url));
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", entry, String(DELIVERIES)], {
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
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as ChildReport);
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
