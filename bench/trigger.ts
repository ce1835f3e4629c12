// /api/trigger's overhead against the embedded LangGraph server, each measure beside its baseline in
// the same run, interleaved (alternating which goes first), medians reported:
// - `wait` through POST /api/trigger vs the same `runs.wait` called directly with the SDK;
// - time to the first streamed event through the trigger (mode stream, SSE) vs `runs.stream` directly.
// Both sides hand LangGraph a webhook to the same /api/webhook (the direct one with a static token),
// so that LangGraph does the same work and the difference is the relay.
import { Client } from "@langchain/langgraph-sdk";
import { startLangGraphServer } from "../dev/langgraph-server.js";
import { TEST_STATIC_TOKEN, TEST_TRIGGER_TOKEN } from "../test/support/runtime.js";
import { serveApi } from "../test/support/serve-api.js";
import type { BenchResult } from "./types.js";

const ITERATIONS = Number(process.env["BENCH_TRIGGER_ITERATIONS"] ?? 30);
const WARMUP = 3;
/** Upper bound on one measured call, so that a stuck server cannot hang the benchmark. */
const CALL_TIMEOUT_MS = 30_000;
const INPUT = { messages: [{ role: "user", content: "Hello!" }] };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function timed(task: (signal: AbortSignal) => Promise<void>): Promise<number> {
  const signal = AbortSignal.timeout(CALL_TIMEOUT_MS);
  const started = performance.now();
  await task(signal);
  return performance.now() - started;
}

/** Alternates which side goes first, so that neither always runs on a warmer server. */
async function interleave(a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number[]; b: number[] }> {
  for (let i = 0; i < WARMUP; i++) {
    await a();
    await b();
  }
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < ITERATIONS; i++) {
    if (i % 2 === 0) {
      out.a.push(await a());
      out.b.push(await b());
    } else {
      out.b.push(await b());
      out.a.push(await a());
    }
  }
  return out;
}

/** Reads an SSE body up to its first event; resolves with the ms that took, then drains the rest. */
async function firstEventThenDrain(response: Response, started: number): Promise<number> {
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error("stream without a body");
  const decoder = new TextDecoder();
  let buffer = "";
  let first: number | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (first === undefined) {
      buffer += decoder.decode(value, { stream: true });
      if (/(^|\n)event: /.test(buffer) && buffer.includes("\n\n")) first = performance.now() - started;
    }
  }
  if (first === undefined) throw new Error("the stream ended without an event");
  return first;
}

export async function benchTrigger(): Promise<BenchResult[]> {
  const langgraph = await startLangGraphServer();
  const api = await serveApi({ LANGGRAPH_API_URL: langgraph.url });
  try {
    const client = new Client({ apiUrl: langgraph.url, apiKey: null });
    const directWebhook = `${api.url}/api/webhook?token=${TEST_STATIC_TOKEN}`;
    const trigger = (body: Record<string, unknown>, signal: AbortSignal) =>
      fetch(`${api.url}/api/trigger`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_TRIGGER_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
        signal,
      });

    const wait = await interleave(
      () => timed(async (signal) => void (await client.runs.wait(null, "agent", { input: INPUT, webhook: directWebhook, signal }))),
      () =>
        timed(async (signal) => {
          const response = await trigger({ mode: "wait", assistant_id: "agent", input: INPUT }, signal);
          if (response.status !== 200) throw new Error(`trigger wait answered ${response.status}`);
          await response.json();
        }),
    );

    const firstEvent = await interleave(
      async () => {
        const signal = AbortSignal.timeout(CALL_TIMEOUT_MS);
        const started = performance.now();
        let first: number | undefined;
        for await (const _part of client.runs.stream(null, "agent", { input: INPUT, webhook: directWebhook, signal })) {
          first ??= performance.now() - started;
        }
        if (first === undefined) throw new Error("direct stream ended without an event");
        return first;
      },
      async () => {
        const started = performance.now();
        const response = await trigger({ mode: "stream", assistant_id: "agent", input: INPUT }, AbortSignal.timeout(CALL_TIMEOUT_MS));
        if (response.status !== 200) throw new Error(`trigger stream answered ${response.status}`);
        return firstEventThenDrain(response, started);
      },
    );
    await api.runtime.idle();

    const waitDirect = median(wait.a);
    const waitRelay = median(wait.b);
    const firstDirect = median(firstEvent.a);
    const firstRelay = median(firstEvent.b);
    const n = `median of ${ITERATIONS}, interleaved, after ${WARMUP} warm-up calls each`;
    return [
      {
        name: "`wait` (stateless, agent): POST /api/trigger vs `runs.wait` with the SDK",
        baseline: waitDirect,
        value: waitRelay,
        ratio: waitRelay / waitDirect,
        unit: "ms",
        target: "≤ 1.15",
        note: `${n}; overhead ${(waitRelay - waitDirect).toFixed(1)} ms`,
      },
      {
        name: "time to first streamed event: mode stream (SSE) vs `runs.stream` with the SDK",
        baseline: firstDirect,
        value: firstRelay,
        ratio: firstRelay / firstDirect,
        unit: "ms",
        target: "≤ 1.15",
        note: `${n}; overhead ${(firstRelay - firstDirect).toFixed(1)} ms`,
      },
    ];
  } finally {
    // LangGraph first: a webhook it cannot deliver kills one of its queue workers.
    await langgraph.stop();
    await api.close();
  }
}
