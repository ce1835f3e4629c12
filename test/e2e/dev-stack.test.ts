// `npm run dev`'s stack: the remote-deployment warning, and a start after a crash.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startDevStack } from "../../dev/stack.js";
import { jsonLogger } from "../../lib/shared/log.js";
import { freePort } from "../support/ports.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("startDevStack with LANGGRAPH_API_URL set", () => {
  it("starts no LangGraph server and warns that a remote deployment cannot call back a laptop", async () => {
    const stack = await startDevStack({
      port: 0,
      env: { LANGGRAPH_API_URL: "https://my-deployment.us.langgraph.app", TRIGGER_TOKEN: "dev-stack-trigger-token-0123456789ab", WEBHOOK_SECRET: "s" },
      log: jsonLogger(() => undefined),
    });
    try {
      expect(stack.embeddedLangGraph).toBe(false);
      expect(stack.generated).toEqual([]);
      expect(stack.warnings).toHaveLength(1);
      expect(stack.warnings[0]).toMatch(/cannot reach a laptop/);
      expect(stack.warnings[0]).toMatch(/PUBLIC_URL/);
    } finally {
      await stack.stop();
    }
  });

  it("does not warn once PUBLIC_URL is a public tunnel", async () => {
    const stack = await startDevStack({
      port: 0,
      env: {
        LANGGRAPH_API_URL: "https://my-deployment.us.langgraph.app",
        PUBLIC_URL: "https://my-tunnel.trycloudflare.com",
        TRIGGER_TOKEN: "dev-stack-trigger-token-0123456789ab",
        WEBHOOK_SECRET: "s",
      },
      log: jsonLogger(() => undefined),
    });
    try {
      expect(stack.warnings).toEqual([]);
    } finally {
      await stack.stop();
    }
  });
});

function startServer(port: number): { child: ChildProcess; ready: Promise<string> } {
  const child = spawn(process.execPath, ["--import", "tsx", "dev/server.ts"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: String(port), LANGGRAPH_API_URL: "", TRIGGER_TOKEN: "", WEBHOOK_SECRET: "" },
  });
  let output = "";
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ctrl-C stops everything")) resolve(output);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`dev server exited with ${code}:\n${output}`)));
  });
  return { child, ready };
}

it("starts again on the same port after a crash (SIGKILL)", async () => {
  const port = await freePort();
  const first = startServer(port);
  await first.ready;
  const died = new Promise((resolve) => first.child.once("exit", resolve));
  first.child.kill("SIGKILL");
  await died;
  const second = startServer(port);
  try {
    const output = await second.ready;
    expect(output).toContain(`http://localhost:${port}/`);
    const response = await fetch(`http://127.0.0.1:${port}/api/webhook`, { method: "PUT" });
    expect(response.status).toBe(405);
  } finally {
    const exited = new Promise((resolve) => second.child.once("exit", resolve));
    second.child.kill("SIGINT");
    await exited;
  }
}, 120_000);
