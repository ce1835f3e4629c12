// `npm run dev`'s stack: a save reloads the functions and keeps the token, the deliveries and the
// LangGraph server; a restart keeps the token (.env.local) and says it is a new process; a port in
// use is explained; the remote-deployment warning; the Redis start-up check.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startDevStack } from "../../dev/stack.js";
import { jsonLogger } from "../../lib/shared/log.js";
import { freePort } from "../support/ports.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "relay-dev-stack-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A copy of the project a user would have (its node_modules linked), whose routes.ts the tests edit:
 * saving the repository's own file would reload every other dev server of the suite.
 */
function copyProject(name = "project"): string {
  const project = join(scratch, name);
  for (const entry of ["api", "lib", "dev", "public", "routes.ts", "types.ts", "package.json", "tsconfig.json", "vercel.json", ".gitignore"]) {
    cpSync(join(root, entry), join(project, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(project, "node_modules"), "dir");
  return project;
}

describe("startDevStack with LANGGRAPH_API_URL set", () => {
  it("starts no LangGraph server and warns that a remote deployment cannot call back a laptop", async () => {
    const stack = await startDevStack({
      port: 0,
      env: { LANGGRAPH_API_URL: "https://my-deployment.us.langgraph.app", TRIGGER_TOKEN: "dev-stack-trigger-token-0123456789ab", WEBHOOK_SECRET: "s" },
      log: jsonLogger(() => undefined),
      // Nothing may leave this machine: the deployment is not asked.
      checkServices: false,
      watch: false,
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
      checkServices: false,
      watch: false,
    });
    try {
      expect(stack.warnings).toEqual([]);
    } finally {
      await stack.stop();
    }
  });
});

describe("the start-up checks", () => {
  it("name a REDIS_URL that answers nothing, with its address but not its password, and a LangGraph that is down", async () => {
    const [redisPort, langgraphPort] = [await freePort(), await freePort()];
    const stack = await startDevStack({
      port: 0,
      env: {
        LANGGRAPH_API_URL: `http://127.0.0.1:${langgraphPort}`,
        REDIS_URL: `redis://default:redis-password-not-shown@127.0.0.1:${redisPort}`,
        TRIGGER_TOKEN: "dev-stack-trigger-token-0123456789ab",
        WEBHOOK_SECRET: "s",
      },
      log: jsonLogger(() => undefined),
      watch: false,
    });
    try {
      const redis = stack.checks.find((check) => check.service === "Redis");
      expect(redis).toMatchObject({ ok: false, variable: "REDIS_URL" });
      expect(redis?.detail).toContain(`redis://127.0.0.1:${redisPort}`);
      const langgraph = stack.checks.find((check) => check.service === "LangGraph");
      expect(langgraph).toMatchObject({ ok: false, variable: "LANGGRAPH_API_URL" });
      // The banner prints the warnings: each names its variable.
      expect(stack.warnings.join("\n")).toMatch(/Redis \(REDIS_URL\)[\s\S]*LangGraph \(LANGGRAPH_API_URL\)|LangGraph \(LANGGRAPH_API_URL\)[\s\S]*Redis \(REDIS_URL\)/);
      expect(JSON.stringify(stack.status())).not.toContain("redis-password-not-shown");
    } finally {
      await stack.stop();
    }
  }, 30_000);
});

it("says so when the embedded LangGraph server dies: a log line, and GET /api/dev's langgraph.running false", async () => {
  const lines: string[] = [];
  const stack = await startDevStack({ port: 0, env: {}, log: jsonLogger((line) => lines.push(line)) });
  try {
    const status = async () => ((await (await fetch(`${stack.url}/api/dev`)).json()) as { langgraph: { running: boolean } }).langgraph;
    expect(await status()).toMatchObject({ running: true });
    process.kill(-(stack.langgraphPid as number), "SIGKILL");
    for (let i = 0; i < 100 && (await status()).running; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await status()).toMatchObject({ running: false });
    expect(lines.join("\n")).toContain("the embedded LangGraph server stopped");
  } finally {
    await stack.stop();
  }
}, 120_000);

interface DevProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the banner is printed (or rejects with the output if the process exits first). */
  ready: Promise<string>;
  /** Resolves once the output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** `npm run dev`'s command (package.json), on a free port, with its .env.local in a temp dir. */
function startServer(port: number, envFile: string, cwd = root, extraEnv: Record<string, string> = {}): DevProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "dev/server.ts"], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: String(port), RELAY_DEV_ENV_FILE: envFile, LOG_FORMAT: "json", LANGGRAPH_API_URL: "", TRIGGER_TOKEN: "", WEBHOOK_SECRET: "", REDIS_URL: "", ...extraEnv },
  });
  let output = "";
  const onData = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const waitFor = async (pattern: RegExp, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (child.exitCode !== null) throw new Error(`dev server exited with ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const ready = waitFor(/Ctrl-C stops everything/).then(() => output);
  // Observed here too: a test that expects the process to fail never awaits it.
  ready.catch(() => undefined);
  return {
    child,
    output: () => output,
    ready,
    waitFor,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      await exited;
    },
  };
}

const tokenIn = (output: string) => /export TRIGGER_TOKEN=(\S+)/.exec(output)?.[1] ?? "";

describe("npm run dev keeps its state", () => {
  it("a save of routes.ts reloads the functions: same token, same deliveries, same LangGraph server", async () => {
    const port = await freePort();
    const envFile = join(scratch, "reload.env.local");
    const project = copyProject();
    const dev = startServer(port, envFile, project);
    const base = `http://127.0.0.1:${port}`;
    try {
      const banner = await dev.ready;
      const token = tokenIn(banner);
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      // The banner's lines paste into a shell as they are.
      expect(banner).toContain(`export RELAY=http://localhost:${port}`);
      expect(readFileSync(envFile, "utf8")).toContain(`TRIGGER_TOKEN=${token}`);
      // Readable by its owner only, and never committed.
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(root, ".gitignore"), "utf8").split("\n")).toContain(".env.local");
      const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };

      const before = (await (await fetch(`${base}/api/dev`)).json()) as { stack_id: string; generation: number; langgraph: { url: string } };
      expect(before.generation).toBe(0);
      const run = (await (
        await fetch(`${base}/api/trigger`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ assistant_id: "agent", mode: "wait", thread_id: "new", input: { messages: [{ role: "user", content: "Hello!" }] } }),
        })
      ).json()) as { run_id: string; thread_id: string };
      expect(run.run_id).toBeTruthy();
      const listed = async () => (await fetch(`${base}/api/deliveries`, { headers: auth })).text();
      for (let i = 0; i < 50 && !(await listed()).includes(run.run_id); i++) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await listed()).toContain(run.run_id);

      // The save an editor makes.
      const routes = join(project, "routes.ts");
      const original = readFileSync(routes, "utf8");
      writeFileSync(routes, original);
      await dev.waitFor(/functions reloaded/, 30_000);

      const after = (await (await fetch(`${base}/api/dev`)).json()) as typeof before & { last_reload: { files: string[]; ok: boolean; error?: string } };
      expect(after.stack_id).toBe(before.stack_id);
      expect(after.generation).toBeGreaterThanOrEqual(1);
      expect(after.last_reload).toMatchObject({ ok: true });
      expect(after.last_reload.files).toContain("routes.ts");
      expect(after.langgraph.url).toBe(before.langgraph.url);
      // The token still opens the API, the delivery is still there, and the thread is still in LangGraph.
      expect(await listed()).toContain(run.run_id);
      const again = await fetch(`${base}/api/trigger`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ assistant_id: "agent", mode: "wait", thread_id: run.thread_id, input: { messages: [{ role: "user", content: "Again" }] } }),
      });
      expect(again.status, await again.clone().text()).toBe(200);
      expect(JSON.stringify(await again.json())).toContain("echo: Hello!");
      expect(dev.output()).not.toMatch(/"msg":"request (refused|failed)"/);

      // A save that does not load is reported, and the functions loaded before keep serving.
      writeFileSync(routes, `${original}\nexport const broken = ;\n`);
      await dev.waitFor(/reload failed/, 30_000);
      expect(await listed()).toContain(run.run_id);
      const failed = (await (await fetch(`${base}/api/dev`)).json()) as typeof after;
      expect(failed.last_reload).toMatchObject({ ok: false, files: ["routes.ts"] });
      expect(failed.last_reload.error).toMatch(/routes\.ts/);
      // Fixed with a route of the user's own: it loads, and the dev routes step aside.
      writeFileSync(
        routes,
        original
          .replace("import { defineRoutes }", "import { custom, defineRoutes }")
          .replace("defineRoutes([])", 'defineRoutes([{ on: "*", actions: [custom({ name: "mine", handler: () => undefined })] }])'),
      );
      await dev.waitFor(/functions reloaded[\s\S]*functions reloaded/, 30_000);
      const fixed = (await (await fetch(`${base}/api/dev`)).json()) as typeof after & { dev_routes: boolean };
      expect(fixed).toMatchObject({ stack_id: before.stack_id, last_reload: { ok: true }, dev_routes: false });

      // A restart is a new process: the same token from .env.local, another stack id.
      await dev.stop();
      const second = startServer(port, envFile, project);
      try {
        const output = await second.ready;
        expect(tokenIn(output)).toBe(token);
        expect(output).toMatch(/TRIGGER_TOKEN and WEBHOOK_SECRET from .*reload\.env\.local/);
        const response = await fetch(`${base}/api/deliveries`, { headers: auth });
        expect(response.status).toBe(200);
        expect(response.headers.get("x-relay-dev-stack")).not.toBe(before.stack_id);
        const status = (await (await fetch(`${base}/api/dev`)).json()) as typeof before;
        expect(status.stack_id).not.toBe(before.stack_id);
      } finally {
        await second.stop();
      }
    } finally {
      await dev.stop();
    }
  }, 240_000);

  it("a token set in the shell wins over .env.local, which is left as it was", async () => {
    const envFile = join(scratch, "shell.env.local");
    // As `vercel env pull` writes it: the deployment's system variables too, which a laptop must not take.
    writeFileSync(envFile, 'TRIGGER_TOKEN=from-the-file-0123456789abcdef0123456\nVERCEL="1"\nVERCEL_URL="my-app.vercel.app"\nFORWARD_SECRET="whsec_ZnJvbS10aGUtZmlsZQ=="\n');
    const stack = await startDevStack({
      port: 0,
      env: { TRIGGER_TOKEN: "from-the-shell-0123456789abcdef012345", LANGGRAPH_API_URL: "http://127.0.0.1:9" },
      envFile,
      log: jsonLogger(() => undefined),
      checkServices: false,
      watch: false,
    });
    try {
      expect(stack.env["TRIGGER_TOKEN"]).toBe("from-the-shell-0123456789abcdef012345");
      expect(stack.generated).toEqual(["WEBHOOK_SECRET"]);
      expect(stack.fromFile).toEqual(["FORWARD_SECRET"]);
      expect(stack.env["VERCEL"]).toBeUndefined();
      expect(stack.runtime.config.onVercel).toBe(false);
      const file = readFileSync(envFile, "utf8");
      expect(file).toContain("TRIGGER_TOKEN=from-the-file-0123456789abcdef0123456");
      expect(file).not.toContain("from-the-shell");
      expect(file).toMatch(/WEBHOOK_SECRET=\S{32}/);
    } finally {
      await stack.stop();
    }
  });
});

it("a port in use: one sentence saying so and what to do, not a stack trace", async () => {
  const blocker = createServer();
  const port = await new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)));
  const dev = startServer(port, join(scratch, "busy.env.local"));
  try {
    const code = await new Promise((resolve) => dev.child.once("exit", resolve));
    expect(code).toBe(1);
    expect(dev.output()).toContain(`Port ${port} is already in use`);
    expect(dev.output()).toContain(`PORT=${port + 1} npm run dev`);
    expect(dev.output()).not.toMatch(/\n\s+at /);
    // Nothing written: the file is made by a start that listens.
    expect(existsSync(join(scratch, "busy.env.local"))).toBe(false);
  } finally {
    blocker.close();
  }
}, 60_000);

it("a config error in the shell (a TRIGGER_TOKEN too short): its sentence, that the shell wins over .env.local, exit 1", async () => {
  const port = await freePort();
  const dev = startServer(port, join(scratch, "short.env.local"), root, { TRIGGER_TOKEN: "short" });
  const code = await new Promise((resolve) => dev.child.once("exit", resolve));
  expect(code).toBe(1);
  expect(dev.output()).toContain("TRIGGER_TOKEN");
  expect(dev.output()).toContain("unset TRIGGER_TOKEN");
  expect(dev.output()).not.toMatch(/\n\s+at /);
  // The port is free again: nothing (no LangGraph child, no server) is left listening on it.
  expect(await fetch(`http://127.0.0.1:${port}/api/dev`).then(() => "answered", () => "refused")).toBe("refused");
}, 90_000);

it("a token from the shell is not echoed by the banner", async () => {
  const port = await freePort();
  const shellToken = "from-the-shell-banner-0123456789abcdef";
  const dev = startServer(port, join(scratch, "banner-shell.env.local"), root, { TRIGGER_TOKEN: shellToken, LANGGRAPH_API_URL: "http://127.0.0.1:9" });
  try {
    const banner = await dev.ready;
    expect(banner).toContain("(from your shell: $TRIGGER_TOKEN)");
    expect(banner).not.toContain(shellToken);
    expect(banner).not.toContain("export TRIGGER_TOKEN=");
  } finally {
    await dev.stop();
  }
}, 90_000);

it("a broken routes.ts at start: one sentence naming routes.ts and what it must export, the dev routes serve, a fix reloads", async () => {
  const port = await freePort();
  const project = copyProject("broken-routes");
  const routes = join(project, "routes.ts");
  const original = readFileSync(routes, "utf8");
  // A plain array (no defineRoutes), and two tokens (rotation) in .env.local.
  writeFileSync(routes, 'export const router = [{ on: "*", actions: [] }];\n');
  const envFile = join(scratch, "broken-routes.env.local");
  writeFileSync(envFile, "TRIGGER_TOKEN=rotation-first-0123456789abcdef012345,rotation-second-0123456789abcdef01234\n");
  const dev = startServer(port, envFile, project);
  const base = `http://127.0.0.1:${port}`;
  try {
    const banner = await dev.ready;
    expect(banner).toContain("export TRIGGER_TOKEN=rotation-first-0123456789abcdef012345\n");
    expect(banner).not.toContain("rotation-second");
    expect(banner).toMatch(/the others are also accepted/);
    expect(banner).toMatch(/routes\.ts exports `router` as a plain array[^\n]*export const router = defineRoutes\(\[\.\.\.\]\)/);
    expect(dev.output()).not.toMatch(/\n\s+at /);
    const status = (await (await fetch(`${base}/api/dev`)).json()) as { dev_routes: boolean; generation: number };
    expect(status).toMatchObject({ dev_routes: true, generation: 0 });

    // No export at all: the reload fails naming routes.ts (not '../routes.js'), the dev routes keep serving.
    writeFileSync(routes, "export const routes = [];\n");
    await dev.waitFor(/reload failed/, 30_000);
    const failed = (await (await fetch(`${base}/api/dev`)).json()) as { last_reload: { ok: boolean; error: string } };
    expect(failed.last_reload.ok).toBe(false);
    expect(failed.last_reload.error).toMatch(/^routes\.ts exports no `router` \(it exports routes\); routes\.ts must export/);
    expect(failed.last_reload.error).not.toContain("../routes.js");

    writeFileSync(routes, original);
    await dev.waitFor(/functions reloaded/, 30_000);
    const fixed = (await (await fetch(`${base}/api/dev`)).json()) as { last_reload: { ok: boolean }; generation: number };
    expect(fixed).toMatchObject({ last_reload: { ok: true }, generation: 1 });
  } finally {
    await dev.stop();
    writeFileSync(routes, original);
  }
}, 180_000);

it("starts again on the same port after a crash (SIGKILL)", async () => {
  const port = await freePort();
  const envFile = join(scratch, "crash.env.local");
  const first = startServer(port, envFile);
  await first.ready;
  const died = new Promise((resolve) => first.child.once("exit", resolve));
  first.child.kill("SIGKILL");
  await died;
  const second = startServer(port, envFile);
  try {
    const output = await second.ready;
    expect(output).toContain(`http://localhost:${port}/`);
    const response = await fetch(`http://127.0.0.1:${port}/api/webhook`, { method: "PUT" });
    expect(response.status).toBe(405);
    expect((await fetch(`http://127.0.0.1:${port}/api/no-such-function`)).status).toBe(404);
    // Each refusal is one line in the terminal, the functions' and the dev server's own.
    await second.waitFor(/"msg":"request refused","status":405,"code":"method_not_allowed","method":"PUT","path":"\/api\/webhook"/, 10_000);
    await second.waitFor(/"msg":"request refused","status":404,"code":"not_found","method":"GET","path":"\/api\/no-such-function"/, 10_000);
  } finally {
    await second.stop();
  }
}, 120_000);
