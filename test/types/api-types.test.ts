// The types callers import (`import type { … } from "langgraph-relay/types"`, package.json's
// exports): checked by `tsc --noEmit -p tsconfig.json` (which covers test/), and each is the type of
// the schema the relay validates with or answers from, so the documented examples type-check.
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { Cron, CronUpdate, DeliverySummary, ErrorBody, ResumeRequest, Resumed, StartedRun, TriggerMode, TriggerRequest, WebhookAck } from "langgraph-relay/types";
import { cronUpdateExamples, triggerExamples } from "../../lib/openapi/examples.js";
import type { cronUpdateBodySchema } from "../../lib/trigger/cron-requests.js";
import type { triggerBodySchema } from "../../lib/trigger/request.js";

describe("langgraph-relay/types", () => {
  it("types requests as they may be sent, from the schemas the relay validates with", () => {
    expectTypeOf<TriggerRequest>().toEqualTypeOf<z.input<typeof triggerBodySchema>>();
    expectTypeOf<CronUpdate>().toEqualTypeOf<z.input<typeof cronUpdateBodySchema>>();
    expectTypeOf<TriggerMode>().toEqualTypeOf<"create" | "wait" | "stream" | "cron">();
    const request: TriggerRequest = { assistant_id: "agent", thread_id: "new", input: { messages: [] } };
    // @ts-expect-error an unknown mode is a type error, as it is a 400
    const wrong: TriggerRequest = { assistant_id: "agent", mode: "later" };
    const update: CronUpdate = { end_time: null, enabled: false };
    expect([request, wrong, update, ...Object.values(triggerExamples), ...Object.values(cronUpdateExamples)]).toHaveLength(2 + 1 + 4 + 5);
  });

  it("types answers as the relay gives them", () => {
    expectTypeOf<StartedRun>().toEqualTypeOf<{ run_id: string; thread_id: string | null; assistant_id: string; status: string }>();
    expectTypeOf<WebhookAck["duplicate"]>().toEqualTypeOf<boolean>();
    expectTypeOf<ErrorBody>().toEqualTypeOf<{ error: { code: string; message: string } }>();
    expectTypeOf<Cron["enabled"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<Resumed>().toEqualTypeOf<{ run_id: string; thread_id: string; delivery_id: string }>();
    const approve: ResumeRequest = { decision: "approve" };
    // @ts-expect-error a decision is approve or reject, as the endpoint says with a 400
    const maybe: ResumeRequest = { decision: "maybe" };
    expect([approve, maybe]).toHaveLength(2);
    expectTypeOf<DeliverySummary["outcome"]>().toEqualTypeOf<"succeeded" | "failed" | "pending" | "no_route" | "rejected" | "unverified" | "duplicate">();
  });
});
