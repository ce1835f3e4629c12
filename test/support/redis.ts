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
  /** Starts it again on the same port (with `persistence: "aof"`, on the data it had acknowledged). */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered — a hung store. */
  pause(): void;
  /** Thaws a paused server (SIGCONT): it then runs whatever it was sent meanwhile. */
  resume(): void;
  stop(): Promise<void>;
}

export interface RedisOptions {
  /**
   * `none` (default): nothing on disk, a killed server comes back empty. `aof`: append-only file
   * fsynced before every reply (`appendfsync always`), so whatever the server acknowledged survives
   * a SIGKILL and is there after `restart()`.
   */
  persistence?: "none" | "aof";
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

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "relay-redis-"));
  let child: ChildProcess | undefined;
  const persistence =
    options.persistence === "aof" ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];

  const launch = async () => {
    child = spawn(
      redisBinary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence, "--dir", dir],
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
  const signal = (name: NodeJS.Signals) => {
    if (child === undefined || child.exitCode !== null) throw new Error(`redis-server is not running (${name})`);
    child.kill(name);
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
