// An action's commit whose reply is lost after the store carried it out (a dropped connection, a
// timeout): the runner tries again, finds its lease gone (the commit it retries let it go) and must
// recognise the stored action as its own — a dead letter is still logged once at error level, a
// success is still a success — rather than report the lease lost. Against the memory store and a real
// Redis (the commit really lands; only its reply is thrown away).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { custom, defineRoutes } from "../../lib/routing/index.js";
import { deliveryFrom, logsOf, testRuntime } from "../support/routing.js";
import { storesUnderTest } from "../support/stores.js";

const { stores } = storesUnderTest("commit-lost");

describe.each(stores)("a lost commit reply with the $name", ({ enabled, make }) => {
  for (const outcome of ["dead", "succeeded"] as const) {
    it(`the final commit of an action that ${outcome === "dead" ? "dies" : "succeeds"} lands but its reply is lost: logged as ${outcome}, once`, async (context) => {
      if (!enabled) context.skip();
      const store = make();
      const runtime = testRuntime({ RETRY_SCHEDULE: "0" }, { store, sleep: async () => undefined });
      let calls = 0;
      const router = defineRoutes(
        [
          {
            on: "*",
            actions: [
              custom({
                name: "notify",
                handler: async () => {
                  calls += 1;
                  if (outcome === "dead") throw new Error("downstream refused");
                },
              }),
            ],
          },
        ],
        { envDefaults: false },
      );
      // The `done` commit is carried out by the store, then its reply is lost once.
      const commitAction = store.commitAction.bind(store);
      let lost = 0;
      store.commitAction = async (...args) => {
        const written = await commitAction(...args);
        if (args[3].kind === "done" && lost++ === 0) throw new Error("socket closed before the reply");
        return written;
      };
      const delivery = deliveryFrom("error_graph_create", { run_id: `run-${randomBytes(4).toString("hex")}` });
      delivery.verification = { state: "confirmed", by: "receive-only", checked_at: new Date().toISOString() };
      delivery.actions = router.plan(delivery, runtime);
      const { lease } = await store.claim(delivery);
      await router.dispatch(delivery, runtime, { deadline: runtime.now() + 5_000, lease });
      await runtime.idle();

      expect(calls).toBe(1);
      expect(lost).toBe(2); // the lost reply, then the retry
      const action = (await store.get(delivery.id))?.actions[0];
      expect(action?.state).toBe(outcome === "dead" ? "failed" : "succeeded");
      expect(logsOf(runtime, "action lease lost; another holder runs it")).toEqual([]);
      if (outcome === "dead") {
        const dead = logsOf(runtime, "action failed");
        expect(dead).toHaveLength(1);
        expect(dead[0]).toMatchObject({ level: "error", dead: true, action: "notify" });
      } else {
        expect(logsOf(runtime, "action succeeded")).toHaveLength(1);
      }
      expect(await store.dueCount()).toBe(0);
      await store.close();
    }, 30_000);
  }
});
