// `npm run dev`'s start-up check of LangGraph (dev/checks.ts): the advice fits the failure — an address
// that does not answer is fixed in LANGGRAPH_API_URL; only a 401/403 asks for LANGSMITH_API_KEY.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { checkLangGraph } from "../../dev/checks.js";
import { freePort } from "../support/ports.js";

it("unreachable (ECONNREFUSED): fix LANGGRAPH_API_URL, no word of LANGSMITH_API_KEY", async () => {
  const port = await freePort();
  const check = await checkLangGraph(`http://127.0.0.1:${port}`, undefined);
  expect(check.ok).toBe(false);
  expect(check.detail).toContain("did not answer");
  expect(check.detail).toContain("LANGGRAPH_API_URL");
  expect(check.detail).not.toContain("LANGSMITH_API_KEY");
});

it("401 without a key: set LANGSMITH_API_KEY; 403 with one: fix it", async () => {
  const server = createServer((_req, res) => res.writeHead(_req.headers["x-api-key"] === undefined ? 401 : 403).end());
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const without = await checkLangGraph(url, undefined);
    expect(without.detail).toMatch(/HTTP 401\): runs cannot start\. Set LANGSMITH_API_KEY/);
    const wrong = await checkLangGraph(url, "lsv2_wrong");
    expect(wrong.detail).toMatch(/refused the key \(HTTP 403\): runs cannot start\. Fix LANGSMITH_API_KEY/);
    expect(wrong.detail).not.toContain("lsv2_wrong");
  } finally {
    server.close();
  }
});
