// The embedded LangGraph server launcher (dev/langgraph-server.ts) against the real
// @langchain/langgraph-api server: the example graphs behave as documented, streaming is
// incremental, and a webhook reaches a receiver when a background run ends.
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LangGraphServer, startLangGraphServer } from "../../dev/langgraph-server.js";

/** Start-up takes a few seconds alone, far longer when several test files start servers at once. */
const START_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = 60_000;
const WEBHOOK_WAIT_MS = 30_000;

interface ReceivedHook {
  url: URL;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A loopback HTTP server that records every POST it receives and answers 200. */
class HookReceiver {
  readonly received: ReceivedHook[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
      this.received.push({ url: new URL(req.url ?? "/", this.url), headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      for (const wake of this.waiters) wake();
    });
  });
  url = "";

  async listen(): Promise<void> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Resolves with the first recorded hook matching `predicate`, waiting for it if needed. */
  waitFor(predicate: (hook: ReceivedHook) => boolean, timeoutMs = WEBHOOK_WAIT_MS): Promise<ReceivedHook> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hook = this.received.find(predicate);
        if (hook === undefined) return false;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(hook);
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`no matching webhook within ${timeoutMs} ms (${this.received.length} received)`));
      }, timeoutMs);
      if (!check()) this.waiters.add(wake);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

describe("embedded LangGraph server", { timeout: TEST_TIMEOUT_MS }, () => {
  let server: LangGraphServer | undefined;
  let client: Client;
  const receiver = new HookReceiver();
  const logs: string[] = [];

  beforeAll(async () => {
    // The receiver first and down last: a webhook that cannot be delivered kills a queue worker.
    await receiver.listen();
    server = await startLangGraphServer({ log: (line) => logs.push(line) });
    client = new Client({ apiUrl: server.url });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
    await receiver.close();
  }, START_TIMEOUT_MS);

  it("answers GET /ok on a loopback URL", async () => {
    expect(server?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${server?.url}/ok`);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("agent echoes LangGraph's documented example input as an AI message", async () => {
    const values = await client.runs.wait(null, "agent", {
      input: { messages: [{ role: "user", content: "Hello!" }] },
    });
    const messages = field(values, "messages");
    expect(Array.isArray(messages)).toBe(true);
    const last: unknown = Array.isArray(messages) ? messages.at(-1) : undefined;
    expect(field(last, "type")).toBe("ai");
    expect(field(last, "content")).toBe("echo: Hello!");
    expect(field(values, "output")).toBe("echo: Hello!");
  });

  it("agent echoes a plain {input} too", async () => {
    const values = await client.runs.wait(null, "agent", { input: { input: "x" } });
    expect(field(values, "output")).toBe("echo: x");
  });

  it("streams values incrementally: the first state arrives before the delayed reply", async () => {
    const delayMs = 1_500;
    const started = Date.now();
    const arrivals: { event: string; at: number; data: unknown }[] = [];
    for await (const part of client.runs.stream(null, "agent", {
      input: { messages: [{ role: "user", content: "Hello!" }] },
      streamMode: ["values"],
      config: { configurable: { delay_ms: delayMs } },
    })) {
      arrivals.push({ event: part.event, at: Date.now() - started, data: part.data });
    }
    const values = arrivals.filter((part) => part.event === "values");
    const first = values.at(0);
    const last = values.at(-1);
    expect(first).toBeDefined();
    expect(last).toBeDefined();
    if (first === undefined || last === undefined) return;
    expect(last.at - first.at).toBeGreaterThanOrEqual(delayMs - 200);
    expect(field(last.data, "output")).toBe("echo: Hello!");
  });

  it("error_graph fails with its recognisable message", async () => {
    await expect(client.runs.wait(null, "error_graph", { input: { input: "err" } })).rejects.toThrow(
      "boom for input=err",
    );
  });

  it("hitl leaves its thread waiting on an interrupt, and a resume command finishes it", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "hitl", { input: { input: "x" } });

    const paused = await client.threads.getState(thread.thread_id);
    expect(paused.next).toEqual(["ask"]);
    expect(paused.tasks[0]?.interrupts[0]?.value).toEqual({ question: "Approve?", input: "x" });
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");

    const resumed = await client.runs.wait(thread.thread_id, "hitl", { command: { resume: "yes" } });
    expect(resumed).toEqual({ input: "x", answer: "yes" });
    const done = await client.threads.getState(thread.thread_id);
    expect(done.next).toEqual([]);
    expect(done.tasks).toEqual([]);
  });

  it("posts the webhook of a background run to the receiver when the run ends", async () => {
    const webhook = `${receiver.url}/hook?token=abc`;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "Hello!" }] },
      webhook,
    });

    // Wait on the receiver, not on the SDK: runs.join returns ~500 ms after the webhook arrives.
    const hook = await receiver.waitFor((received) => field(received.body, "run_id") === run.run_id);
    expect(hook.url.pathname).toBe("/hook");
    expect(hook.url.searchParams.get("token")).toBe("abc");
    // The JS server sends JSON labelled as text (see docs/http-api.md, "POST /api/webhook").
    expect(hook.headers["content-type"]).toMatch(/^text\/plain/);
    expect(field(hook.body, "status")).toBe("success");
    expect(field(hook.body, "thread_id")).toBe(thread.thread_id);
    expect(field(field(hook.body, "values"), "output")).toBe("echo: Hello!");
  });

  it("posts an error webhook with the failure message", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "error_graph", {
      input: { input: "hooked" },
      webhook: `${receiver.url}/hook?token=abc`,
    });
    const hook = await receiver.waitFor((received) => field(received.body, "run_id") === run.run_id);
    expect(field(hook.body, "status")).toBe("error");
    expect(field(hook.body, "error")).toBe("boom for input=hooked");
  });
});
