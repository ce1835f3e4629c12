// POSTs one callback to /api/webhook over a kept-alive node:http connection, the way LangGraph does
// (text/plain, a 30 s limit). Load tests use it rather than fetch, which costs four times the CPU here
// and would starve the process under test.
import { type Agent, request as httpRequest } from "node:http";
import { TEST_STATIC_TOKEN } from "./runtime.js";

export type Json = Record<string, unknown>;

export function postCallback(agent: Agent, url: URL, body: string): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `/api/webhook?token=${TEST_STATIC_TOKEN}`,
        method: "POST",
        agent,
        timeout: 30_000,
        // The JS dev server's content type.
        headers: { "content-type": "text/plain;charset=UTF-8", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
        res.on("error", reject);
      },
    );
    // LangGraph's Python server waits 30 s for an answer; nothing here may take that long.
    req.on("timeout", () => req.destroy(new Error("no answer within 30 s")));
    req.on("error", reject);
    req.end(body);
  });
}
