// The receiver with durable scheduling (a routing item enqueued by every claim, a plan committed
// under leases, per-action commits, a bounded drain) vs the receiver before it: the same
// bench/target.ts of the commit before durable delivery (extracted with `git archive` into a
// temporary directory, sharing this checkout's node_modules), interleaved round by round in the same
// run. Memory store and Redis store.
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load, loadShort, startTarget } from "./receiver.js";
import type { BenchResult } from "./types.js";

/** The last commit before durable delivery (55bb560 "Durable delivery core"). */
const BEFORE = "55bb560^";
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3);

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export async function benchDurableReceiver(redisUrl: string | undefined): Promise<BenchResult[]> {
  const root = new URL("..", import.meta.url).pathname;
  const before = mkdtempSync(join(tmpdir(), "relay-before-"));
  execSync(`git archive ${BEFORE} | tar -x -C ${before}`, { cwd: root });
  symlinkSync(join(root, "node_modules"), join(before, "node_modules"));
  const results: BenchResult[] = [];
  try {
    for (const mode of ["memory", ...(redisUrl === undefined ? [] : ["redis"])]) {
      const old = await startTarget(mode, mode === "redis" ? redisUrl : undefined, before);
      const now = await startTarget(mode, mode === "redis" ? redisUrl : undefined);
      const samples = { old: [] as number[], now: [] as number[] };
      let failures = 0;
      try {
        await loadShort(old.port);
        await loadShort(now.port);
        for (let round = 0; round < ROUNDS; round++) {
          // Alternating which goes first, so that a drift of the machine's load favours neither.
          const order = round % 2 === 0 ? (["old", "now"] as const) : (["now", "old"] as const);
          for (const which of order) {
            const sample = await load((which === "old" ? old : now).port);
            samples[which].push(sample.rps);
            failures += sample.non2xx + sample.errors;
          }
        }
      } finally {
        await old.stop();
        await now.stop();
      }
      const ratio = mean(samples.now) / mean(samples.old);
      results.push({
        name: `receiver throughput with durable scheduling vs before it, ${mode} store`,
        baseline: mean(samples.old),
        value: mean(samples.now),
        ratio,
        unit: "req/s",
        target: "≥ 0.90",
        note: `${ROUNDS} interleaved rounds each; per round before ${samples.old.map((x) => x.toFixed(0)).join("/")}, now ${samples.now.map((x) => x.toFixed(0)).join("/")}; ${failures === 0 ? "all 2xx" : `${failures} non-2xx or errors`}`,
      });
    }
  } finally {
    rmSync(before, { recursive: true, force: true });
  }
  return results;
}
