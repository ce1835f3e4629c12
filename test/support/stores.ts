// A store wrapped by a test that replaces some of its methods: the due-work, lease and per-action
// methods delegated to the store underneath, so the wrapper only names what it changes.
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";

export type DurableMethods = Pick<DeliveryStore, "commitPlan" | "commitAction" | "claimDue" | "acquire" | "release" | "extend" | "dueCount">;

export function durableOf(inner: DeliveryStore): DurableMethods {
  return {
    commitPlan: (record, lease, now, ms) => inner.commitPlan(record, lease, now, ms),
    commitAction: (id, record, lease, next, now) => inner.commitAction(id, record, lease, next, now),
    claimDue: (now, limit, ms) => inner.claimDue(now, limit, ms),
    acquire: (item, now, ms) => inner.acquire(item, now, ms),
    release: (lease, at) => inner.release(lease, at),
    extend: (lease, until) => inner.extend(lease, until),
    dueCount: () => inner.dueCount(),
  };
}
