// What the inspector page's Chromium tests share: a check of text contrast run in the page, and
// deliveries of any state written straight into a stack's store (dead, retrying, reconciled, paused…),
// for states a live run cannot reach within a test.
import { readFileSync } from "node:fs";
import type { ActionRecord, DeliveryRecord } from "../../lib/model/delivery.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import { runPayloadSchema } from "../../lib/model/run-payload.js";
import type { DeliveryStore } from "../../lib/stores/delivery-store.js";

export interface SeedOptions {
  runId: string;
  /** LangGraph's status: the event is run.<status> unless `event` says otherwise. */
  status?: string;
  event?: string;
  /** How long before now the callback arrived. @default 0 */
  agoMs?: number;
  actions?: Partial<ActionRecord>[];
  routing?: DeliveryRecord["routing"];
  source?: DeliveryRecord["source"];
  pause?: DeliveryRecord["pause"];
  decisions?: DeliveryRecord["decisions"];
  threadId?: string;
  error?: string;
  /** The named route the run was started with. */
  route?: string;
}

const basePayload = () => runPayloadSchema.parse(JSON.parse(readFileSync(new URL("../fixtures/thread_runs_create.json", import.meta.url), "utf8")));

/** Writes a confirmed delivery of the given shape into the store; answers its id. */
export async function seedDelivery(store: DeliveryStore, options: SeedOptions): Promise<string> {
  const status = options.status ?? "success";
  const base = basePayload();
  const payload = {
    ...base,
    run_id: options.runId,
    status,
    ...(options.threadId === undefined ? {} : { thread_id: options.threadId }),
    ...(options.error === undefined ? {} : { error: options.error }),
  };
  const receivedAt = new Date(Date.now() - (options.agoMs ?? 0));
  const record = newDeliveryRecord(payload, { receivedAt, auth: "static" });
  record.verification = { state: "confirmed", by: "ledger", checked_at: record.received_at };
  record.routing = options.routing ?? (options.actions && options.actions.length > 0 ? "done" : "no_route");
  if (options.event !== undefined) record.event = options.event;
  if (options.route !== undefined) record.route = options.route;
  if (options.source !== undefined) record.source = options.source;
  if (options.pause !== undefined) record.pause = options.pause;
  if (options.decisions !== undefined) record.decisions = options.decisions;
  record.actions = (options.actions ?? []).map((action, index) => ({
    name: action.name ?? `action-${index}`,
    type: action.type ?? "forward",
    state: action.state ?? "succeeded",
    attempts: action.attempts ?? [],
    updated_at: record.received_at,
    ...action,
  }));
  await store.claim(record);
  return record.id;
}

/** One attempt as the runner records it. */
export function attempt(number: number, ok: boolean, agoMs: number, status?: number): ActionRecord["attempts"][number] {
  const at = new Date(Date.now() - agoMs).toISOString();
  return { number, started_at: at, ended_at: at, duration_ms: 12, ok, ...(status === undefined ? {} : { http_status: status }) };
}

/**
 * Runs in the page: each element with its own visible text, whose colour contrasts with the
 * background behind it (the first opaque one up the tree) by less than 4.5:1.
 */
export function contrastProblems(): string[] {
  const parse = (value: string): [number, number, number, number] => {
    const match = /rgba?\(([^)]+)\)/.exec(value);
    if (match === null) return [0, 0, 0, 0];
    const parts = (match[1] ?? "").split(/[ ,/]+/).filter(Boolean).map(Number);
    return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
  };
  const luminance = ([r, g, b]: number[]) => {
    const channel = (c: number) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r ?? 0) + 0.7152 * channel(g ?? 0) + 0.0722 * channel(b ?? 0);
  };
  const background = (element: Element | null): number[] => {
    for (let node = element; node !== null; node = node.parentElement) {
      const color = parse(getComputedStyle(node).backgroundColor);
      if (color[3] > 0.5) return color;
    }
    return [255, 255, 255, 1];
  };
  const problems: string[] = [];
  for (const element of document.querySelectorAll("body *")) {
    const own = [...element.childNodes].some((child) => child.nodeType === Node.TEXT_NODE && (child.textContent ?? "").trim() !== "");
    if (!own) continue;
    const box = (element as HTMLElement).getBoundingClientRect();
    const style = getComputedStyle(element);
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden" || element.closest(".visually-hidden") !== null) continue;
    const fg = luminance(parse(style.color));
    const bg = luminance(background(element));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) problems.push(`${element.tagName.toLowerCase()}.${element.className}: ${ratio.toFixed(2)} "${(element.textContent ?? "").trim().slice(0, 30)}"`);
  }
  return problems;
}
