// Shared parts of the routing tests: a runtime with captured logs, deliveries built from the captured
// fixtures, and a real loopback HTTP receiver whose answers each test scripts (and which verifies
// Standard Webhooks signatures when given a secret).
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import type { Env } from "../../lib/config/env.js";
import type { DeliveryRecord } from "../../lib/model/delivery.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import { MemoryDeliveryStore } from "../../lib/stores/memory-delivery-store.js";
import type { RunPayload } from "../../lib/model/run-payload.js";
import { redactPayload, runPayloadSchema } from "../../lib/model/run-payload.js";
import type { RuntimeOptions } from "../../lib/runtime/runtime.js";
import { createTestRuntime, type TestRuntime } from "./runtime.js";
import { fixture } from "./kit.js";

export type Json = Record<string, unknown>;

export { fixture };

export const newSecret = (): string => `whsec_${randomBytes(24).toString("base64")}`;

/** A routing test's runtime: the one test factory (test/support/runtime.ts), with its own memory store. */
export type LoggedRuntime = TestRuntime;

/** The runtime's seams a routing test may replace: store, clock, fetch, waits, jitter, LangGraph calls. */
export type TestSeams = Pick<RuntimeOptions, "store" | "now" | "fetch" | "sleep" | "random" | "readThreadState" | "readRun" | "readThreadRuns" | "startRun">;

export function testRuntime(env: Env = {}, seams: TestSeams = {}): LoggedRuntime {
  return createTestRuntime({ WEBHOOK_TOKEN: "static-token-for-tests-0123456789", ...env }, { store: new MemoryDeliveryStore(), ...seams });
}

/** A delivery as the receiver records it, from a fixture with some fields replaced. */
export function deliveryFrom(name: string, overrides: Json = {}): DeliveryRecord {
  const payload: RunPayload = runPayloadSchema.parse({ ...fixture(name), ...overrides });
  return newDeliveryRecord(redactPayload(payload), { receivedAt: new Date(), auth: "static" });
}

export interface ReceivedRequest {
  n: number;
  url: string;
  headers: IncomingHttpHeaders;
  raw: string;
  /** The verified body when the receiver checks signatures, else the parsed body. */
  body: unknown;
  verified: boolean | undefined;
  verifyError?: string;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string } | "hang";

/**
 * A loopback HTTP server that records every request and answers as `respond` says. With `secret`, it
 * verifies each request with standardwebhooks' `Webhook.verify` first and answers 400 when that fails.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  url = "";
  respond: (request: ReceivedRequest) => Answer = () => ({ status: 200, body: "ok" });
  private readonly server: Server;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly secret?: string) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const received: ReceivedRequest = {
          n: this.requests.length + 1,
          url: req.url ?? "/",
          headers: req.headers,
          raw,
          body: undefined,
          verified: undefined,
        };
        if (this.secret !== undefined) {
          try {
            received.body = new Webhook(this.secret).verify(raw, req.headers as Record<string, string>);
            received.verified = true;
          } catch (error) {
            received.verified = false;
            received.verifyError = error instanceof Error ? error.message : String(error);
          }
        } else {
          try {
            received.body = JSON.parse(raw) as unknown;
          } catch {
            received.body = raw;
          }
        }
        this.requests.push(received);
        for (const wake of this.waiters) wake();
        if (received.verified === false) {
          res.writeHead(400, { "content-type": "text/plain" }).end(`signature rejected: ${received.verifyError ?? ""}`);
          return;
        }
        const answer = this.respond(received);
        if (answer === "hang") return; // never answers: the sender's timeout must end it
        res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers }).end(answer.body ?? "");
      });
    });
  }

  async listen(): Promise<this> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves once `count` requests have arrived. */
  waitForCount(count: number, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.requests.length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`expected ${count} requests within ${timeoutMs} ms, got ${this.requests.length}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Sleeps recorded instead of waited, for tests of backoff that need no real time. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

/** Log lines whose `msg` is one of the given messages. */
export function logsOf(runtime: LoggedRuntime, ...messages: string[]): Json[] {
  return runtime.entries.filter((line) => messages.includes(String(line["msg"])));
}
