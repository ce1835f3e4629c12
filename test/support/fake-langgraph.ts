// A loopback HTTP server posing as LangGraph Platform, for what the embedded JS server cannot show:
// crons (it answers 500 "Not implemented"), exact request counts (idempotency), injected failures, an
// outage, and a run's status set by the test (GET /threads/{t}/runs/{r}, which the receiver's
// confirmation reads). It checks the requests against the platform's published shapes (the OpenAPI
// schemas CronCreate, CronSearch, CronPatch, RunCreate*) and answers like the platform does, errors as
// `{"detail": …}`. `GET /info` reports `flags.crons` as `cronsEnabled` says (false: a server like the
// local JS one, which has none).
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  headers: IncomingMessage["headers"];
}

type Json = Record<string, unknown>;

/** The fields of the platform's CronCreate (and ThreadCronCreate) schemas, plus those the SDK sends. */
const CRON_FIELDS = new Set([
  "schedule",
  "end_time",
  "assistant_id",
  "input",
  "metadata",
  "config",
  "context",
  "webhook",
  "interrupt_before",
  "interrupt_after",
  "on_run_completed",
  "multitask_strategy",
  "timezone",
  "enabled",
  "stream_mode",
  "stream_subgraphs",
  "stream_resumable",
  "durability",
  "checkpoint_during",
]);
/** The published CronPatch schema (PATCH /runs/crons/{cron_id}): every field optional. */
const CRON_PATCH_FIELDS = new Set([
  "schedule",
  "end_time",
  "input",
  "metadata",
  "config",
  "context",
  "webhook",
  "interrupt_before",
  "interrupt_after",
  "on_run_completed",
  "enabled",
  "stream_mode",
  "stream_subgraphs",
  "stream_resumable",
  "durability",
  "timezone",
]);
const CRON_SEARCH_FIELDS = new Set(["assistant_id", "thread_id", "limit", "offset", "sort_by", "sort_order", "select", "metadata", "enabled"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class FakeLangGraph {
  readonly requests: RecordedRequest[] = [];
  readonly crons = new Map<string, Json>();
  /** Runs created, by run id, as GET /threads/{t}/runs/{r} answers them: a test may change `status`. */
  readonly runs = new Map<string, Json>();
  /** What GET /info says in `flags.crons`. */
  cronsEnabled = true;
  /** Whether `GET /runs/crons/{cron_id}` exists (false: a server that publishes no read by id). */
  cronReadById = true;
  /** Delay before answering run creation (to hold a request in flight). */
  runDelayMs = 0;
  /** What the next `runs/wait` answers instead of its values (e.g. a failed run's `{"__error__": …}`), once. */
  nextWaitValues: Json | undefined;
  /** Answers the next matching request with this status and body instead. */
  private failures: { path: RegExp; status: number; body: unknown }[] = [];
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests to a path, e.g. `POST /runs`. */
  count(methodAndPath: string): number {
    return this.requests.filter((r) => `${r.method} ${r.path}` === methodAndPath).length;
  }

  failNext(path: RegExp, status: number, body: unknown): void {
    this.failures.push({ path, status, body });
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(port, "127.0.0.1");
    await once(this.server, "listening");
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = new URL(req.url ?? "/", "http://x").pathname;
    let body: Json | undefined;
    try {
      body = raw === "" ? undefined : (JSON.parse(raw) as Json);
    } catch {
      return send(res, 422, { detail: "body is not JSON" });
    }
    const method = req.method ?? "GET";
    this.requests.push({ method, path, body, headers: req.headers });

    const failure = this.failures.find((f) => f.path.test(`${method} ${path}`));
    if (failure !== undefined) {
      this.failures.splice(this.failures.indexOf(failure), 1);
      return send(res, failure.status, failure.body);
    }

    if (method === "GET" && path === "/info") {
      return send(res, 200, { version: "0.4.0", flags: { assistants: true, crons: this.cronsEnabled, langsmith: false } });
    }
    if (method === "POST" && path === "/threads") {
      return send(res, 200, { thread_id: randomUUID(), status: "idle", metadata: body?.["metadata"] ?? {}, created_at: now(), updated_at: now() });
    }
    let match = /^(?:\/threads\/([^/]+))?\/runs\/(wait|stream)$/.exec(path);
    if (method === "POST" && match !== null) {
      // The run ends at once: wait answers its values, stream its metadata and values parts.
      if (typeof body?.["assistant_id"] !== "string") return send(res, 422, { detail: [{ loc: ["body", "assistant_id"], msg: "Field required" }] });
      const threadId = match[1] ?? randomUUID();
      const runId = randomUUID();
      const values = { messages: [{ role: "ai", content: "echo" }] };
      this.runs.set(runId, { run_id: runId, thread_id: threadId, assistant_id: body["assistant_id"], status: "success", created_at: now(), updated_at: now(), metadata: body["metadata"] ?? {}, kwargs: body });
      res.setHeader("content-location", match[1] === undefined ? `/runs/${runId}` : `/threads/${threadId}/runs/${runId}`);
      if (match[2] === "wait") {
        const answer = this.nextWaitValues ?? values;
        this.nextWaitValues = undefined;
        return send(res, 200, answer);
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`event: metadata\ndata: ${JSON.stringify({ run_id: runId })}\n\nevent: values\ndata: ${JSON.stringify(values)}\n\n`);
      return;
    }
    match = /^(?:\/threads\/([^/]+))?\/runs$/.exec(path);
    if (method === "POST" && match !== null) {
      if (this.runDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.runDelayMs));
      const assistant = body?.["assistant_id"];
      if (typeof assistant !== "string") return send(res, 422, { detail: [{ loc: ["body", "assistant_id"], msg: "Field required" }] });
      if (assistant === "missing") return send(res, 404, { detail: `Assistant "${assistant}" not found` });
      const threadId = match[1] ?? randomUUID();
      const run = {
        run_id: randomUUID(),
        thread_id: threadId,
        assistant_id: randomUUID(),
        created_at: now(),
        updated_at: now(),
        status: "pending",
        metadata: body?.["metadata"] ?? {},
        kwargs: body ?? {},
        multitask_strategy: body?.["multitask_strategy"] ?? "reject",
      };
      this.runs.set(run.run_id, run);
      res.setHeader("content-location", match[1] === undefined ? `/runs/${run.run_id}` : `/threads/${threadId}/runs/${run.run_id}`);
      return send(res, 200, run);
    }
    match = /^\/threads\/([^/]+)\/runs\/([^/]+)$/.exec(path);
    if (method === "GET" && match !== null && match[2] !== "crons") {
      const run = this.runs.get(match[2] ?? "");
      if (run === undefined || run["thread_id"] !== match[1]) return send(res, 404, { detail: "Run not found" });
      return send(res, 200, run);
    }
    match = /^(?:\/threads\/([^/]+))?\/runs\/crons$/.exec(path);
    if (method === "POST" && match !== null) {
      const problems = checkCronCreate(body, match[1]);
      if (problems.length > 0) return send(res, 422, { detail: problems.map((msg) => ({ loc: ["body"], msg })) });
      const cron: Json = {
        cron_id: randomUUID(),
        assistant_id: randomUUID(),
        thread_id: match[1] ?? null,
        on_run_completed: body?.["on_run_completed"] ?? (match[1] === undefined ? "delete" : null),
        end_time: body?.["end_time"] ?? null,
        schedule: body?.["schedule"],
        timezone: body?.["timezone"] ?? null,
        created_at: now(),
        updated_at: now(),
        payload: { ...body },
        user_id: null,
        next_run_date: "2030-01-07T09:00:00+00:00",
        metadata: body?.["metadata"] ?? {},
        enabled: body?.["enabled"] ?? true,
      };
      this.crons.set(String(cron["cron_id"]), cron);
      return send(res, 200, cron);
    }
    if (method === "POST" && path === "/runs/crons/search") {
      const unknown = Object.keys(body ?? {}).filter((key) => !CRON_SEARCH_FIELDS.has(key));
      if (unknown.length > 0) return send(res, 422, { detail: `unknown fields ${unknown.join(", ")}` });
      const limit = Number(body?.["limit"] ?? 10);
      const offset = Number(body?.["offset"] ?? 0);
      const found = [...this.crons.values()].filter(
        (cron) =>
          (body?.["assistant_id"] === undefined || cron["payload"] !== undefined && (cron["payload"] as Json)["assistant_id"] === body["assistant_id"]) &&
          (body?.["thread_id"] === undefined || cron["thread_id"] === body["thread_id"]) &&
          (body?.["enabled"] === undefined || cron["enabled"] === body["enabled"]),
      );
      return send(res, 200, found.slice(offset, offset + limit));
    }
    match = /^\/runs\/crons\/([^/]+)$/.exec(path);
    if (method === "GET" && match?.[1] !== undefined && match[1] !== "search") {
      if (!this.cronReadById) return send(res, 405, { detail: "Method Not Allowed" });
      const cron = this.crons.get(match[1]);
      return cron === undefined ? send(res, 404, { detail: "Cron not found" }) : send(res, 200, cron);
    }
    if (method === "PATCH" && match?.[1] !== undefined) {
      const cron = this.crons.get(match[1]);
      if (cron === undefined) return send(res, 404, { detail: "Cron not found" });
      const problems = checkCronPatch(body);
      if (problems.length > 0) return send(res, 422, { detail: problems.map((msg) => ({ loc: ["body"], msg })) });
      applyCronPatch(cron, body ?? {});
      return send(res, 200, cron);
    }
    if (method === "DELETE" && match?.[1] !== undefined) {
      if (!this.crons.delete(match[1])) return send(res, 404, { detail: "Cron not found" });
      res.writeHead(204).end();
      return;
    }
    return send(res, 404, { detail: "Not Found" });
  }
}

function checkCronCreate(body: Json | undefined, threadId: string | undefined): string[] {
  if (body === undefined) return ["body required"];
  const problems: string[] = [];
  if (threadId !== undefined && !UUID.test(threadId)) problems.push("thread_id must be a UUID");
  if (typeof body["assistant_id"] !== "string") problems.push("assistant_id required");
  if (typeof body["schedule"] !== "string") problems.push("schedule required");
  if (body["webhook"] !== undefined && typeof body["webhook"] !== "string") problems.push("webhook must be a string");
  for (const key of Object.keys(body)) if (!CRON_FIELDS.has(key)) problems.push(`unexpected field ${key}`);
  return problems;
}

function checkCronPatch(body: Json | undefined): string[] {
  if (body === undefined) return ["body required"];
  const problems: string[] = [];
  for (const key of Object.keys(body)) if (!CRON_PATCH_FIELDS.has(key)) problems.push(`unexpected field ${key}`);
  if (body["schedule"] !== undefined && typeof body["schedule"] !== "string") problems.push("schedule must be a string");
  if (body["enabled"] !== undefined && typeof body["enabled"] !== "boolean") problems.push("enabled must be a boolean");
  if (body["end_time"] !== undefined && body["end_time"] !== null && typeof body["end_time"] !== "string") problems.push("end_time must be a date-time or null");
  if (body["on_run_completed"] !== undefined && body["on_run_completed"] !== "delete" && body["on_run_completed"] !== "keep") {
    problems.push("on_run_completed must be delete or keep");
  }
  return problems;
}

/** As the platform applies a patch: given fields replace, metadata is merged, the run payload follows. */
function applyCronPatch(cron: Json, body: Json): void {
  const payload = { ...(cron["payload"] as Json) };
  for (const [key, value] of Object.entries(body)) {
    if (key === "metadata") {
      cron["metadata"] = { ...(cron["metadata"] as Json), ...(value as Json) };
      payload["metadata"] = { ...(payload["metadata"] as Json | undefined), ...(value as Json) };
    } else if (["schedule", "end_time", "enabled", "timezone", "on_run_completed"].includes(key)) {
      cron[key] = value;
      if (key !== "end_time" && key !== "enabled") payload[key] = value;
    } else {
      payload[key] = value;
    }
  }
  cron["payload"] = payload;
  cron["updated_at"] = now();
}

const now = () => new Date().toISOString();

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
