// The whole mission, driven as a user would over HTTP: start runs through /api/trigger in every mode,
// let LangGraph call /api/webhook, and collect what the router forwarded to a receiver that verifies
// every request's Standard Webhooks signature. Used against `npm run dev`'s stack and against the
// built Vercel output, so both are held to the same flow.
import { expect } from "vitest";
import { trigger } from "./kit.js";
import type { TestReceiver } from "./routing.js";

const HELLO = { messages: [{ role: "user", content: "Hello!" }] };

interface Started {
  label: string;
  runId: string;
  expectedType: string;
}

async function json(response: Response, status: number): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Reads a whole SSE stream and returns its parts. */
async function readEvents(response: Response): Promise<{ event: string; data: unknown }[]> {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
  const text = await response.text();
  const parts: { event: string; data: unknown }[] = [];
  for (const block of text.split("\n\n")) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (event !== undefined && data !== undefined) parts.push({ event, data: JSON.parse(data) as unknown });
  }
  return parts;
}

function runIdOfStream(parts: { event: string; data: unknown }[]): string {
  const metadata = parts.find((part) => part.event === "metadata")?.data as { run_id?: string } | undefined;
  expect(metadata?.run_id).toBeTypeOf("string");
  return metadata?.run_id as string;
}

/** Waits until the receiver has a verified forward for the run, and returns it. */
async function forwardOf(receiver: TestReceiver, runId: string, timeoutMs = 30_000): Promise<{ type: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = receiver.requests.find((request) => (request.body as { run?: { run_id?: string } } | undefined)?.run?.run_id === runId);
    if (found !== undefined) return found.body as { type: string };
    if (Date.now() > deadline) throw new Error(`no forwarded event for run ${runId} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts one run per mode and thread kind, plus a failing one, and checks that each run's callback
 * was forwarded exactly once, signed, with the right event. Returns the run ids.
 */
export async function runMission(baseUrl: string, token: string, receiver: TestReceiver): Promise<Started[]> {
  const started: Started[] = [];
  const add = (label: string, runId: unknown, expectedType = "run.success") => {
    expect(runId, label).toBeTypeOf("string");
    started.push({ label, runId: runId as string, expectedType });
  };

  const created = await json(await trigger(baseUrl, { assistant_id: "agent", thread_id: "new", input: HELLO }, { token }), 202);
  add("create, new thread", created["run_id"]);
  add("create, stateless", (await json(await trigger(baseUrl, { assistant_id: "agent", input: HELLO }, { token }), 202))["run_id"]);

  const waited = await json(await trigger(baseUrl, { mode: "wait", assistant_id: "agent", input: HELLO }, { token }), 200);
  expect(JSON.stringify(waited["values"])).toContain("echo: Hello!");
  add("wait, stateless", waited["run_id"]);
  add("wait, new thread", (await json(await trigger(baseUrl, { mode: "wait", assistant_id: "agent", thread_id: "new", input: HELLO }, { token }), 200))["run_id"]);

  const streamed = await readEvents(await trigger(baseUrl, { mode: "stream", assistant_id: "agent", input: HELLO }, { token }));
  expect(JSON.stringify(streamed)).toContain("echo: Hello!");
  add("stream, stateless", runIdOfStream(streamed));
  add("stream, new thread", runIdOfStream(await readEvents(await trigger(baseUrl, { mode: "stream", assistant_id: "agent", thread_id: "new", input: HELLO }, { token }))));

  add("create, failing graph", (await json(await trigger(baseUrl, { assistant_id: "error_graph", input: { input: "e2e" } }, { token }), 202))["run_id"], "run.error");

  // The thread of the first run, once that run has ended, takes a second run.
  await forwardOf(receiver, started[0]!.runId);
  const threadId = created["thread_id"] as string;
  const again = await json(await trigger(baseUrl, { assistant_id: "agent", thread_id: threadId, input: HELLO }, { token }), 202);
  expect(again["thread_id"]).toBe(threadId);
  add("create, existing thread", again["run_id"]);

  for (const run of started) {
    const forwarded = await forwardOf(receiver, run.runId);
    expect(forwarded.type, run.label).toBe(run.expectedType);
  }
  // Nothing arrives twice, and nothing unexpected arrives: give stragglers a moment.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const runIds = receiver.requests.map((request) => (request.body as { run?: { run_id?: string } }).run?.run_id);
  expect(receiver.requests.every((request) => request.verified === true)).toBe(true);
  expect(runIds.sort()).toEqual(started.map((run) => run.runId).sort());
  // The forwarded payloads never carry the webhook token.
  for (const request of receiver.requests) expect(request.raw).not.toMatch(/token=/);
  return started;
}
