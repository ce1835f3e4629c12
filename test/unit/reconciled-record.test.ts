// lib/reconcile/record.ts: the delivery reconciliation records is the callback LangGraph would have
// sent — the run's fields, its status, the values of its last checkpoint, a failed task's error — under
// the callback's id, confirmed by LangGraph, with the webhook token redacted. Pure.
import { describe, expect, it } from "vitest";
import { deliveryIdFor } from "../../lib/model/delivery.js";
import { reconciledRecord } from "../../lib/reconcile/record.js";

const run = {
  run_id: "01a21e6f-6d31-7108-a41a-67ae45d8379e",
  thread_id: "01a21e6f-6d1e-70c5-812c-c77aedbb2b35",
  assistant_id: "fe096781-5601-53d2-b2f6-0d3403f7e9ca",
  status: "running",
  metadata: { graph_id: "agent", relay_route: "nightly" },
  kwargs: { webhook: "https://relay.example/api/webhook?token=v1.secret-token-value.sig", input: { input: "x" } },
  created_at: "2026-11-27T19:15:48.667Z",
  updated_at: "2026-11-27T19:15:48.853Z",
  multitask_strategy: "reject",
};
const options = { now: Date.parse("2026-11-27T20:00:00.000Z"), tokenId: "token-id-0123", redactKeys: [] };

describe("reconciledRecord", () => {
  it("is the callback LangGraph would have sent: the run, its final status, the checkpoint's values, under the callback's id", () => {
    const record = reconciledRecord({ run, status: "success", checkpoint: { values: { output: "echo: x" }, next: [], tasks: [] } }, options);
    if ("invalid" in record) throw new Error(record.invalid);
    expect(record).toMatchObject({
      id: deliveryIdFor(run.run_id, "success"),
      event: "run.success",
      status: "success",
      source: "reconciled",
      auth: "minted",
      token_id: "token-id-0123",
      routing: "pending",
      graph_id: "agent",
      route: "nightly",
      received_at: "2026-11-27T20:00:00.000Z",
      verification: { state: "confirmed", by: "langgraph", checked_at: "2026-11-27T20:00:00.000Z" },
    });
    expect(record.payload).toMatchObject({ run_id: run.run_id, status: "success", values: { output: "echo: x" }, created_at: run.created_at });
    expect(record.payload.error).toBeUndefined();
    expect(JSON.stringify(record)).not.toContain("secret-token-value");
  });

  it("takes a failed run's error from the task that holds it (a string, or {message})", () => {
    for (const error of ["Error: boom", { error: "Error", message: "Error: boom" }]) {
      const record = reconciledRecord({ run, status: "error", checkpoint: { values: {}, tasks: [{ name: "respond", error }] } }, options);
      if ("invalid" in record) throw new Error(record.invalid);
      expect(record.event).toBe("run.error");
      expect(record.payload.error).toBe("Error: boom");
    }
  });

  it("is recorded without values when the checkpoint could not be read", () => {
    const record = reconciledRecord({ run, status: "timeout", checkpoint: undefined }, options);
    if ("invalid" in record) throw new Error(record.invalid);
    expect(record.event).toBe("run.timeout");
    expect("values" in record.payload).toBe(false);
  });

  it("refuses what is not a Run (no thread id), saying why", () => {
    const { thread_id: _thread, ...noThread } = run;
    const record = reconciledRecord({ run: noThread, status: "success", checkpoint: undefined }, options);
    expect(record).toEqual({ invalid: expect.stringMatching(/thread_id/) });
  });
});
