// The README's quick start, executed: the commands it gives are the ones that work. `npm run dev` is
// started for real (the script, through npm), the README's curl commands are run by bash against it,
// and Ctrl-C stops everything. (`npm ci` is not re-run here: the suite is already running on it.)
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The first fenced block after `<!-- readme-test: name -->`. */
function block(name: string): string {
  const match = new RegExp(`<!-- readme-test: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (match?.[1] === undefined) throw new Error(`README has no block marked readme-test: ${name}`);
  return match[1];
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

describe("README quick start", () => {
  let dev: ChildProcess;
  let port: number;
  let output = "";
  let token = "";

  beforeAll(async () => {
    port = await freePort();
    // Its own process group, so that Ctrl-C can be sent to the lot as a terminal would.
    dev = spawn("npm", ["run", "dev"], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PORT: String(port), TRIGGER_TOKEN: "", WEBHOOK_SECRET: "", LANGGRAPH_API_URL: "", REDIS_URL: "" },
    });
    dev.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    dev.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 90_000;
    while (!/Ctrl-C stops everything/.test(output)) {
      if (dev.exitCode !== null || Date.now() > deadline) throw new Error(`npm run dev did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    token = /TRIGGER_TOKEN=(\S+)/.exec(output)?.[1] ?? "";
  }, 120_000);

  afterAll(() => {
    if (dev?.pid !== undefined && dev.exitCode === null) {
      try {
        process.kill(-dev.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });

  it("gives the two commands on its first screen", () => {
    const firstScreen = readme.split("\n").slice(0, 15).join("\n");
    expect(firstScreen).toContain("npm ci && npm run dev");
    expect(firstScreen).toContain("npm ci && npm test");
  });

  it("prints the URL, a generated token and a curl to paste", () => {
    expect(output).toContain(`http://localhost:${port}/`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(output).toContain("(generated for this session)");
    expect(output).toMatch(/curl -sS http:\/\/localhost:\d+\/api\/trigger/);
    expect(output).toMatch(/embedded: assistants agent, error_graph, hitl/);
  });

  it("runs the README's curl: the run answers, and its callback is recorded", async () => {
    const run = (script: string) =>
      spawnSync("bash", ["-c", script.replaceAll("localhost:3000", `localhost:${port}`)], {
        encoding: "utf8",
        env: { ...process.env, TRIGGER_TOKEN: token },
        timeout: 60_000,
      });
    const triggered = run(block("trigger"));
    expect(triggered.status, triggered.stderr).toBe(0);
    const answer = JSON.parse(triggered.stdout) as { run_id: string; values: unknown };
    expect(JSON.stringify(answer.values)).toContain("echo: Hello!");

    // "a moment later, its callback has arrived"
    let listed = "";
    for (let i = 0; i < 50 && !listed.includes(answer.run_id); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      listed = run(block("deliveries")).stdout;
    }
    expect(listed).toContain(answer.run_id);
    expect(listed).toContain("run.success");
  }, 90_000);

  it("stops everything on Ctrl-C, the LangGraph server included", async () => {
    const langgraphPort = Number(/LangGraph\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    expect(await portOpen(langgraphPort)).toBe(true);
    const exited = new Promise((resolve) => dev.once("exit", resolve));
    process.kill(-dev.pid!, "SIGINT");
    await exited;
    // Every process of the group is gone: the app's port and LangGraph's are closed.
    for (let i = 0; i < 50 && ((await portOpen(port)) || (await portOpen(langgraphPort))); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await portOpen(port)).toBe(false);
    expect(await portOpen(langgraphPort)).toBe(false);
  }, 30_000);
});
