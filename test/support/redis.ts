// Starts a real `redis-server` (Debian's) on a free loopback port for a test file. Outside CI a
// missing binary skips the Redis tests with a loud message; under CI=true it is a failure.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "node:net";
import { freePort } from "./ports.js";

export const redisBinary = process.env["REDIS_SERVER_BIN"] ?? "redis-server";

export function redisAvailable(): boolean {
  const probe = spawnSync(redisBinary, ["--version"], { stdio: "ignore" });
  const available = probe.status === 0;
  if (!available) {
    const message = `redis-server not found (${redisBinary}): install it with 'apt-get install -y redis-server'.`;
    if (process.env["CI"] === "true") throw new Error(`${message} Under CI=true this is a failure, not a skip.`);
    console.warn(`\n!!! SKIPPING REDIS TESTS: ${message}\n`);
  }
  return available;
}

export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "relay-redis-"));
  let child: ChildProcess | undefined;

  const launch = async () => {
    child = spawn(
      redisBinary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: "ignore" },
    );
    await waitForPort(port, 10_000);
  };
  const kill = async () => {
    const current = child;
    child = undefined;
    if (current === undefined || current.exitCode !== null) return;
    const exited = new Promise((resolve) => current.once("exit", resolve));
    current.kill("SIGKILL");
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
