// What a decision resumes a paused run with. Three shapes, chosen from what the run asked:
// - a plain `interrupt(value)`: the route's value for the button when it sets one, else the documented
//   default `{"approved": true, "by": <who>}` (Approve) or `{"approved": false, "by": <who>}` (Reject);
// - LangChain's human-in-the-loop middleware (an interrupt whose value carries `actionRequests` —
//   `action_requests` in Python): `{"decisions": [{"type": "approve"} | {"type": "reject", "message"}…]}`,
//   one per request, as the middleware requires (it throws on a count that differs, or on a decision
//   type a request's review config does not allow — refused here first, with a 400);
// - several pending interrupts: `{<interrupt id>: <value>, …}`, LangGraph's way to answer each.
// A free-form answer (`{"resume": …}` from a resume link or the inspector) is sent as it is, once
// checked where the pause says what fits (checkResume: a HITL-middleware pause's decisions).
import type { PauseRecord, PendingInterrupt } from "../model/delivery.js";
import { asRecord } from "../shared/json.js";
import { badRequest } from "../shared/errors.js";

export type Decision = "approve" | "reject";
export const DECISIONS = ["approve", "reject"] as const satisfies readonly Decision[];

/** A route's resume values for the Approve and Reject buttons (plain interrupts only). */
export interface DecisionValues {
  approve?: unknown;
  reject?: unknown;
}

/** The requests of a LangChain HITL middleware interrupt, or undefined for any other value. */
export function hitlRequestOf(value: unknown): { names: string[]; allowed: (readonly string[] | undefined)[] } | undefined {
  const record = asRecord(value);
  const requests = record?.["actionRequests"] ?? record?.["action_requests"];
  if (!Array.isArray(requests)) return undefined;
  const configs = record?.["reviewConfigs"] ?? record?.["review_configs"];
  const byName = new Map<string, readonly string[]>();
  if (Array.isArray(configs)) {
    for (const config of configs) {
      const entry = asRecord(config);
      const name = entry?.["actionName"] ?? entry?.["action_name"];
      const allowed = entry?.["allowedDecisions"] ?? entry?.["allowed_decisions"];
      if (typeof name === "string" && Array.isArray(allowed)) byName.set(name, allowed.filter((item): item is string => typeof item === "string"));
    }
  }
  const names = requests.map((request) => {
    const name = asRecord(request)?.["name"];
    return typeof name === "string" ? name : "";
  });
  return { names, allowed: names.map((name) => byName.get(name)) };
}

/** The value one interrupt is resumed with for a button decision. */
export function decisionValue(interrupt: PendingInterrupt, decision: Decision, by: string, values: DecisionValues = {}): unknown {
  const hitl = hitlRequestOf(interrupt.value);
  if (hitl !== undefined) {
    return {
      decisions: hitl.names.map((name, index) => {
        const allowed = hitl.allowed[index];
        if (allowed !== undefined && !allowed.includes(decision)) {
          throw badRequest("invalid_body", `The run's review config does not allow "${decision}" for ${JSON.stringify(name.slice(0, 64))} (allowed: ${allowed.join(", ")}).`);
        }
        return decision === "approve" ? { type: "approve" } : { type: "reject", message: `Rejected by ${by}.` };
      }),
    };
  }
  if (Object.hasOwn(values, decision)) return values[decision];
  return { approved: decision === "approve", by };
}

/**
 * The `resume` of the Command for a button decision on the whole pause: the one interrupt's value, or
 * a map by interrupt id when several wait (LangGraph needs their ids for that; without ids, each gets
 * the same value as a plain resume).
 */
export function decisionResume(pause: PauseRecord, decision: Decision, by: string, values?: DecisionValues): unknown {
  const { interrupts } = pause;
  if (interrupts.length <= 1 || interrupts.some((interrupt) => interrupt.id === undefined)) {
    const first: PendingInterrupt = interrupts[0] ?? { value: undefined };
    return decisionValue(first, decision, by, values);
  }
  return Object.fromEntries(interrupts.map((interrupt) => [interrupt.id as string, decisionValue(interrupt, decision, by, values)]));
}

/** Refuses (400) a HITL-middleware answer the middleware would throw on: wrong count, type or shape. */
function checkHitlDecisions(hitl: NonNullable<ReturnType<typeof hitlRequestOf>>, value: unknown, where: string): void {
  const decisions = asRecord(value)?.["decisions"];
  const count = hitl.names.length;
  if (!Array.isArray(decisions)) {
    throw badRequest("invalid_body", `The run waits on LangChain's human-in-the-loop middleware: resume${where} must be {"decisions": [...]} with ${count} decision(s), one per action request.`);
  }
  if (decisions.length !== count) {
    throw badRequest("invalid_body", `The run asks about ${count} tool call(s): resume${where} has ${decisions.length} decision(s); the middleware needs exactly one per action request.`);
  }
  decisions.forEach((decision, index) => {
    const type = asRecord(decision)?.["type"];
    if (typeof type !== "string") throw badRequest("invalid_body", `resume${where}.decisions[${index}] must be an object with a "type" ("approve", "edit", "reject").`);
    const allowed = hitl.allowed[index];
    if (allowed !== undefined && !allowed.includes(type)) {
      const name = JSON.stringify((hitl.names[index] ?? "").slice(0, 64));
      throw badRequest("invalid_body", `The run's review config does not allow "${type.slice(0, 32)}" for ${name} (decision ${index}; allowed: ${allowed.join(", ")}).`);
    }
  });
}

/**
 * Checks a free-form resume value against what the pause can take, where that is known: a
 * HITL-middleware interrupt (alone, or by its id in a map answering several) gets one decision per
 * action request, each of a type its review config allows. A value that would only make the resumed
 * run fail is refused (400) before the pause is claimed. Other interrupts take any JSON.
 */
export function checkResume(pause: PauseRecord, resume: unknown): void {
  const { interrupts } = pause;
  if (interrupts.length === 1) {
    const hitl = hitlRequestOf(interrupts[0]?.value);
    if (hitl !== undefined) checkHitlDecisions(hitl, resume, "");
    return;
  }
  const byId = asRecord(resume);
  if (byId === undefined) return;
  for (const interrupt of interrupts) {
    const hitl = hitlRequestOf(interrupt.value);
    if (hitl === undefined || interrupt.id === undefined || !Object.hasOwn(byId, interrupt.id)) continue;
    checkHitlDecisions(hitl, byId[interrupt.id], `[${JSON.stringify(interrupt.id)}]`);
  }
}
