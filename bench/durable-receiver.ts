// The receiver with durable scheduling (a routing item enqueued by every claim, a plan committed
// under leases, per-action commits, a bounded drain) vs the receiver before it: the same
// bench/target.ts of the commit before durable delivery (extracted with `git archive` into a
// temporary directory, sharing this checkout's node_modules), interleaved round by round in the same
// run. Memory store and Redis store.
import { execFileSync, execSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load, loadShort, startTarget } from "./receiver.js";
import type { BenchResult } from "./types.js";

/** The last commit before durable delivery (55bb560 "Durable delivery core"). */
const BEFORE = "55bb560^";
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3);

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * CPU time (ms) used so far by the target process and, with Redis, by redis-server: steadier than
 * req/s on a machine other work shares (a phase's req/s swings with their load, its CPU per callback
 * much less). Undefined where /proc is not there (Linux only).
 */
function cpuMs(pid: number | undefined, redisUrl: string | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    let ms = ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
    if (redisUrl !== undefined) {
      const info = execFileSync("redis-cli", ["-u", redisUrl, "INFO", "cpu"], { encoding: "utf8" });
      const read = (key: string) => Number(new RegExp(`${key}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
      ms += (read("used_cpu_sys") + read("used_cpu_user")) * 1000;
    }
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

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
      /** CPU µs per callback per phase (target + Redis). */
      const cpu = { old: [] as number[], now: [] as number[] };
      let failures = 0;
      try {
        await loadShort(old.port);
        await loadShort(now.port);
        // And one discarded phase of distinct callbacks each: loadShort repeats one callback, so the
        // path of a new delivery (claim, plan) would otherwise be warmed up inside the first round.
        await load(old.port);
        await load(now.port);
        for (let round = 0; round < ROUNDS; round++) {
          // Alternating which goes first, so that a drift of the machine's load favours neither.
          const order = round % 2 === 0 ? (["old", "now"] as const) : (["now", "old"] as const);
          for (const which of order) {
            const target = which === "old" ? old : now;
            const redis = mode === "redis" ? redisUrl : undefined;
            const before = cpuMs(target.pid, redis);
            const sample = await load(target.port);
            // A moment for the work after the answers (routing) to finish, so that it is counted.
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            const after = cpuMs(target.pid, redis);
            samples[which].push(sample.rps);
            if (before !== undefined && after !== undefined && sample.requests > 0) cpu[which].push(((after - before) * 1000) / sample.requests);
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
      if (cpu.old.length === ROUNDS && cpu.now.length === ROUNDS) {
        // Throughput within 10 % of before ⇔ CPU per callback at most 1/0.9 of before, when CPU-bound.
        results.push({
          name: `CPU per callback with durable scheduling vs before it, ${mode} store (target process${mode === "redis" ? " + redis-server" : ""})`,
          baseline: mean(cpu.old),
          value: mean(cpu.now),
          ratio: mean(cpu.now) / mean(cpu.old),
          unit: "µs",
          target: "≤ 1.11",
          note: `same phases; per round before ${cpu.old.map((x) => x.toFixed(0)).join("/")}, now ${cpu.now.map((x) => x.toFixed(0)).join("/")}`,
        });
      }
    }
  } finally {
    rmSync(before, { recursive: true, force: true });
  }
  return results;
}
