// capPayload: what a stored payload keeps beyond the size cap, and what it says was cut.
import { describe, expect, it } from "vitest";
import { capPayload, TRUNCATION_MARK } from "../../lib/model/payload-cap.js";
import type { RunPayload } from "../../lib/model/run-payload.js";

const KB = 1024;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");

function payload(overrides: Record<string, unknown> = {}): RunPayload {
  return {
    run_id: "run-1",
    thread_id: "thread-1",
    assistant_id: "asst-1",
    status: "success",
    created_at: "created",
    run_started_at: "started",
    run_ended_at: "ended",
    metadata: { graph_id: "agent", relay_route: "notify" },
    kwargs: { input: { question: "q" }, webhook: "https://relay.example/api/webhook" },
    ...overrides,
  } as RunPayload;
}

describe("capPayload", () => {
  it("returns a payload within the cap as it is, and marks nothing", () => {
    const small = payload({ values: { answer: "a" } });
    const capped = capPayload(small, 64 * KB);
    expect(capped.payload).toBe(small);
    expect(capped.truncation).toBeUndefined();
  });

  it("drops the biggest part first and stops once under the cap", () => {
    const big = payload({ values: { text: "v".repeat(300 * KB) }, kwargs: { input: { text: "i".repeat(20 * KB) } } });
    const capped = capPayload(big, 256 * KB);
    expect(capped.truncation).toEqual({ fields: ["values"], original_bytes: bytes(big), max_bytes: 256 * KB });
    expect(capped.payload.values).toBeUndefined();
    expect(capped.payload.kwargs?.["input"]).toEqual({ text: "i".repeat(20 * KB) });
    expect(capped.payload[TRUNCATION_MARK]).toEqual(capped.truncation);
    expect(bytes(capped.payload)).toBeLessThanOrEqual(256 * KB);
  });

  it("goes on to the next biggest parts, entry by entry inside kwargs and metadata", () => {
    const big = payload({
      values: { text: "v".repeat(40 * KB) },
      kwargs: { input: { text: "i".repeat(60 * KB) }, webhook: "https://relay.example/api/webhook" },
      metadata: { graph_id: "agent", relay_route: "notify", notes: "n".repeat(30 * KB) },
    });
    const capped = capPayload(big, 16 * KB);
    expect(capped.truncation?.fields).toEqual(["kwargs.input", "values", "metadata.notes"]);
    // Small entries stay: the route, the graph, the webhook.
    expect(capped.payload.metadata).toEqual({ graph_id: "agent", relay_route: "notify" });
    expect(capped.payload.kwargs).toEqual({ webhook: "https://relay.example/api/webhook" });
    expect(bytes(capped.payload)).toBeLessThanOrEqual(16 * KB);
  });

  it("keeps the run's own fields whatever the cap", () => {
    const big = payload({ values: "v".repeat(10 * KB), extra_server_field: "e".repeat(5 * KB) });
    const capped = capPayload(big, 100);
    expect(capped.payload).toMatchObject({
      run_id: "run-1",
      thread_id: "thread-1",
      assistant_id: "asst-1",
      status: "success",
      created_at: "created",
      run_started_at: "started",
      run_ended_at: "ended",
    });
    expect(capped.truncation?.fields).toEqual(expect.arrayContaining(["values", "extra_server_field"]));
  });

  it("shortens a huge error instead of dropping it, in either shape", () => {
    const asString = capPayload(payload({ status: "error", error: "e".repeat(100 * KB) }), 8 * KB);
    expect(asString.truncation?.fields).toEqual(["error"]);
    expect(typeof asString.payload.error).toBe("string");
    expect((asString.payload.error as string).length).toBeLessThan(3 * KB);
    const asObject = capPayload(payload({ status: "error", error: { error: "ValueError", message: "m".repeat(100 * KB) } }), 8 * KB);
    expect(asObject.payload.error).toMatchObject({ error: "ValueError" });
    expect(((asObject.payload.error as { message: string }).message).startsWith("mmm")).toBe(true);
  });

  it("does not change the payload it is given", () => {
    const big = payload({ values: { text: "v".repeat(10 * KB) }, metadata: { notes: "n".repeat(10 * KB) } });
    const before = structuredClone(big);
    capPayload(big, 1 * KB);
    expect(big).toEqual(before);
  });

  it("counts bytes, not characters", () => {
    const wide = payload({ values: "é".repeat(6 * KB) }); // 12 kB of UTF-8 in 6 k characters
    expect(capPayload(wide, 10 * KB).truncation?.fields).toEqual(["values"]);
  });
});

describe("a payload of many small entries", () => {
  it("is cut with its small entries together and stays under the cap, its list of cut paths bounded too", () => {
    const metadata = Object.fromEntries(Array.from({ length: 300_000 }, (_, n) => [`k${n}`, n]));
    const big = payload({ metadata: { graph_id: "agent", ...metadata } });
    const capped = capPayload(big, 64 * KB);
    const { truncation } = capped;
    expect(bytes(capped.payload)).toBeLessThanOrEqual(64 * KB);
    expect(truncation?.fields.length).toBeLessThanOrEqual(32);
    expect(truncation?.fields).toContain("metadata.*");
  });
});
