// Draining due work after a callback: a deployment whose cron runs once a day (Vercel Hobby) still
// gets its retries run, by the traffic itself. Bounded three ways: at most one drain per process every
// DRAIN_INTERVAL_MS, at most DRAIN_MAX_ITEMS items, and DRAIN_BUDGET_MS of time — in the background,
// after the answer, so a callback is never slowed down by it.
import type { Runtime } from "../runtime/runtime.js";
import type { SweepRouter } from "./sweep.js";
import { runSweep } from "./sweep.js";

export const DRAIN_INTERVAL_MS = 10_000;
export const DRAIN_MAX_ITEMS = 20;
export const DRAIN_BUDGET_MS = 15_000;

const lastDrain = new WeakMap<Runtime, number>();

/** True for a router the sweep can run actions with (routes.ts's; not a bare DeliveryRouter). */
export function isSweepRouter(router: object): router is SweepRouter {
  return "actionsFor" in router && typeof router.actionsFor === "function";
}

/** Starts a bounded drain in the background unless one ran in this process within the interval. */
export function drainSoon(runtime: Runtime, router: SweepRouter, deadline: number): void {
  const now = runtime.now();
  const last = lastDrain.get(runtime);
  if (last !== undefined && now - last < DRAIN_INTERVAL_MS) return;
  lastDrain.set(runtime, now);
  // Only the due work: reconciliation asks LangGraph, and belongs to the cron's sweep.
  runtime.background(runSweep(runtime, router, { deadline: Math.min(deadline, now + DRAIN_BUDGET_MS), maxItems: DRAIN_MAX_ITEMS, steps: [] }));
}
