// Receiver throughput and latency over real HTTP on loopback, against a bare server behind the same
// adapter, measured in the same run and interleaved (the machine is shared and noisy).
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { BenchResult } from "./types.js";

const CONNECTIONS = 50;
const PHASE_SECONDS = Number(process.env["BENCH_PHASE_SECONDS"] ?? 6);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 2);

// The JS server's callback, with the webhook URL the trigger hands LangGraph (a minted token in it),
// which is what the relay receives in practice and what it redacts.
const captured = JSON.parse(readFileSync(new URL("../test/fixtures/thread_runs_create.json", import.meta.url), "utf8")) as {
  kwargs: Record<string, unknown>;
};
const fixture = JSON.stringify({
  ...captured,
  kwargs: {
    ...captured.kwargs,
    webhook:
      "https://relay.example.com/api/webhook?token=v1.eyJzIjoicnVuIiwibiI6ImUtZWUwMV9QNXRIQ3FGdE0iLCJ0IjoidGhyZWFkLWthdiIsImUiOjE3NjcyMjkyMDB9.Tfdtu2YX0TQt8k90cqUmpHtiZ8ApYc3YHEz6HD9WZKA",
  },
});

interface Target {
  port: number;
  /** The target's process, for its CPU time (bench/durable-receiver.ts). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts bench/target.ts in its own process — of this tree, or of another checkout (`root`). */
export async function startTarget(mode: string, redisUrl?: string, root?: string): Promise<Target> {
  const script = root === undefined ? new URL("./target.ts", import.meta.url).pathname : `${root}/bench/target.ts`;
  const args = ["--import", "tsx", script, mode];
  if (redisUrl !== undefined) args.push(redisUrl);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], ...(root === undefined ? {} : { cwd: root }) });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`bench target ${mode} exited with ${code}`)));
  });
  return {
    port,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

interface Sample {
  rps: number;
  /** Requests answered in the phase. */
  requests: number;
  p99: number;
  non2xx: number;
  errors: number;
}

let runCounter = 0;

/** One bounded load phase: 50 connections, every request a distinct callback (its own run_id). */
export async function load(port: number): Promise<Sample> {
  const base = JSON.parse(fixture) as Record<string, unknown>;
  const prefix = `bench-${process.pid}-${++runCounter}-`;
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/api/webhook?token=bench-webhook-token-0123456789abcdef`,
    connections: CONNECTIONS,
    duration: PHASE_SECONDS,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "text/plain;charset=UTF-8" },
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ ...base, run_id: `${prefix}${n++}` }) }),
      },
    ],
  });
  return { rps: result.requests.average, requests: result.requests.total, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export async function benchReceiver(options: { redisUrl?: string } = {}): Promise<BenchResult[]> {
  const modes = ["bare", "memory", ...(options.redisUrl ? ["redis"] : [])];
  const targets = new Map<string, Target>();
  for (const mode of modes) targets.set(mode, await startTarget(mode, mode === "redis" ? options.redisUrl : undefined));
  const samples = new Map<string, Sample[]>(modes.map((mode) => [mode, []]));
  try {
    // Warm-up (JIT, connection pools), then interleaved rounds.
    for (const mode of modes) await loadShort(targets.get(mode)!.port);
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of modes) samples.get(mode)!.push(await load(targets.get(mode)!.port));
    }
  } finally {
    for (const target of targets.values()) await target.stop();
  }
  const bare = samples.get("bare")!;
  const bareRps = mean(bare.map((s) => s.rps));
  const bareP99 = mean(bare.map((s) => s.p99));
  const results: BenchResult[] = [];
  for (const mode of modes.filter((m) => m !== "bare")) {
    const s = samples.get(mode)!;
    const failures = s.reduce((sum, x) => sum + x.non2xx + x.errors, 0);
    const note = failures > 0 ? `${failures} non-2xx or errors` : "all 2xx";
    results.push({
      name: `receiver throughput, ${mode} store (req/s)`,
      baseline: bareRps,
      value: mean(s.map((x) => x.rps)),
      ratio: mean(s.map((x) => x.rps)) / bareRps,
      unit: "req/s",
      target: mode === "memory" ? "≥ 0.70" : "≥ 0.50",
      note,
    });
    results.push({
      name: `receiver p99 latency at ${CONNECTIONS} connections, ${mode} store`,
      baseline: bareP99,
      value: mean(s.map((x) => x.p99)),
      ratio: mean(s.map((x) => x.p99)) / bareP99,
      unit: "ms",
      target: "≤ 1.5",
    });
  }
  return results;
}

export async function loadShort(port: number): Promise<void> {
  await autocannon({
    url: `http://127.0.0.1:${port}/api/webhook?token=bench-webhook-token-0123456789abcdef`,
    connections: 10,
    amount: 2000,
    requests: [{ method: "POST", body: fixture }],
  });
}
