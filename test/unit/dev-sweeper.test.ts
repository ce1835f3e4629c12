// `npm run dev`'s sweeper (dev/sweeper.ts): calls the dev server's own /api/sweep with its token on an
// interval, one call at a time, and stops when told; without a token it sweeps nothing and says so.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { redisReachable, startSweeper } from "../../dev/sweeper.js";
import { jsonLogger } from "../../lib/shared/log.js";

it("POSTs /api/sweep with the bearer token on its interval, and stops", async () => {
  const calls: { method: string; url: string; authorization: string | undefined }[] = [];
  const server = createServer((req, res) => {
    calls.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true,"attempted":1,"ms":1}');
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const lines: string[] = [];
  const stop = startSweeper({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: "first-token-0123456789abcdef0123456789,second",
    log: jsonLogger((line) => lines.push(line)),
    intervalMs: 40,
  });
  await new Promise((resolve) => setTimeout(resolve, 400));
  stop();
  const count = calls.length;
  await new Promise((resolve) => setTimeout(resolve, 150));
  server.close();
  expect(count).toBeGreaterThanOrEqual(2);
  expect(calls.length).toBe(count);
  expect(calls.every((call) => call.method === "POST" && call.url === "/api/sweep" && call.authorization === "Bearer first-token-0123456789abcdef0123456789")).toBe(true);
  expect(lines.some((line) => line.includes('"msg":"dev sweep"'))).toBe(true);
  expect(lines.join("\n")).not.toContain("first-token");
});

it("sweeps nothing without a token, and says so once", () => {
  const lines: string[] = [];
  const stop = startSweeper({ url: "http://127.0.0.1:9", token: undefined, log: jsonLogger((line) => lines.push(line)) });
  stop();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/no TRIGGER_TOKEN/);
});

it("with the store down: one warning, no call to /api/sweep until the store answers, then one 'recovered'", async () => {
  let calls = 0;
  let down = true;
  const server = createServer((_req, res) => {
    calls += 1;
    if (down) res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"code":"store_unavailable","message":"The delivery store (Redis at redis://127.0.0.1:1, REDIS_URL) did not answer."}}');
    else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true,"attempted":0,"ms":1}');
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const lines: string[] = [];
  let probes = 0;
  const stop = startSweeper({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: "first-token-0123456789abcdef0123456789",
    log: jsonLogger((line) => lines.push(line)),
    intervalMs: 20,
    storeReachable: async () => {
      probes += 1;
      return !down;
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(calls).toBe(1);
  expect(probes).toBeGreaterThanOrEqual(3);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain("REDIS_URL");
  down = false;
  await new Promise((resolve) => setTimeout(resolve, 200));
  stop();
  server.close();
  expect(calls).toBeGreaterThan(1);
  expect(lines.filter((line) => line.includes("dev sweep recovered"))).toHaveLength(1);
  expect(lines).toHaveLength(2);
});

it("redisReachable: false for a closed port, true for a listening one, never throws", async () => {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  expect(await redisReachable(`redis://default:pw@127.0.0.1:${port}/0`)()).toBe(true);
  server.close();
  await once(server, "close");
  expect(await redisReachable(`redis://127.0.0.1:${port}`)()).toBe(false);
  expect(await redisReachable("not a url")()).toBe(false);
});
