// `npm run bench`: every benchmark, each as a ratio to a baseline measured in the same run, written
// to bench/README.md with the machine and the command. Loopback only; every phase bounded in time.
import { cpus, totalmem } from "node:os";
import { writeFileSync } from "node:fs";
import { redisAvailable, startRedis } from "../test/support/redis.js";
import { benchReceiver } from "./receiver.js";
import type { BenchResult } from "./types.js";

const sections: { title: string; results: BenchResult[] }[] = [];

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

function verdict(result: BenchResult): string {
  if (result.target === undefined) return "";
  const match = /^(≥|≤)\s*([\d.]+)$/.exec(result.target);
  if (match === null) return "";
  const limit = Number(match[2]);
  const met = match[1] === "≥" ? result.ratio >= limit : result.ratio <= limit;
  return met ? "met" : "**missed**";
}

function table(results: BenchResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${fmt(r.baseline)} ${r.unit} | ${fmt(r.value)} ${r.unit} | **${r.ratio.toFixed(2)}** | ${r.target ?? ""} ${verdict(r)} | ${r.note ?? ""} |`,
  );
  return ["| measure | baseline | relay | ratio | target | note |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);

  if (want("receiver")) {
    const redis = redisAvailable() ? await startRedis() : undefined;
    try {
      sections.push({
        title: "Receiver: `POST /api/webhook` vs a bare server behind the same adapter",
        results: await benchReceiver(redis ? { redisUrl: redis.url } : {}),
      });
    } finally {
      await redis?.stop();
    }
  }

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const header = [
    "# Benchmarks",
    "",
    `Measured ${new Date().toISOString()} with \`npm run bench\` on ${cpus().length} × ${cpu}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Every figure is a ratio to a baseline ` +
      "measured in the same run, interleaved, because the machine is shared and noisy. Loopback only.",
    "",
  ];
  const body = sections.flatMap((s) => [`## ${s.title}`, "", table(s.results), ""]);
  const text = [...header, ...body, METHOD].join("\n");
  console.log(text);
  if (only.length === 0) writeFileSync(new URL("./README.md", import.meta.url), text);
}

const METHOD = `## Method

- **Receiver.** \`bench/target.ts\` runs each server in its own process behind \`@hono/node-server\`
  (the adapter the dev server uses); the bare target reads the body and answers 200. \`autocannon\`
  drives 50 connections for ${process.env["BENCH_PHASE_SECONDS"] ?? 6} s per phase, every request a
  distinct callback (its own \`run_id\`, the JS server's payload), phases interleaved
  bare → memory → redis, ${process.env["BENCH_ROUNDS"] ?? 2} rounds, means reported. The client runs
  on the same 2 cores, so absolute figures understate a real deployment; the ratios are the point.
`;

await main();
