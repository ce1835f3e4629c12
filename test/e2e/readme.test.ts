// The documentation, executed: the commands and code it gives are the ones that work.
//
// Conventions in README.md and docs/*.md (each checked here):
// - `<!-- readme-test: <name> -->` on the line before a fenced block of README.md names a block of the
//   quick start: `npm run dev` is started for real (the script, through npm), the `trigger` and
//   `deliveries` blocks are run by bash against it, and Ctrl-C stops everything. (`npm ci` is not
//   re-run here: the suite is already running on it.)
// - `<!-- run -->` on the line before a ```sh block of docs/http-api.md marks it runnable: the marked
//   blocks are run in document order in ONE bash shell (as a reader pastes them into one terminal, so
//   a variable set by one block is seen by the next), against the same `npm run dev`, with RELAY,
//   TRIGGER_TOKEN and WEBHOOK_TOKEN set. The shell stops at the first failing command, and every
//   `curl` runs with --fail-with-body: a block passes only if each of its requests answers 2xx.
//   Unmarked blocks (placeholders such as `<cron_id>`, crons, which the embedded server lacks) are
//   not run.
// - Every ```ts block of README.md and docs/ is a complete routes.ts: each is written to a file of its
//   own (its `./lib/` imports pointed at the project's lib/), type-checked with the project's
//   tsconfig, and loaded; it must import only ./lib/routing/index.js and export a `router` with routes.
//   Snippets that are not a routes.ts use another language tag (`js`, `text`, `http`).
// - Every relative link between README.md, docs/, ARCHITECTURE.md, SECURITY.md and bench/README.md
//   points at a file that exists and, with a #fragment, at a heading of that file.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createConnection } from "node:net";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");
const docsFiles = readdirSync(join(root, "docs"))
  .filter((name) => name.endsWith(".md"))
  .map((name) => `docs/${name}`);
const readme = read("README.md");

interface FencedBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The last non-blank line before the fence (where a marker comment sits). */
  before: string;
  code: string;
}

/** The fenced blocks of a markdown file, indented ones (inside list items) included. */
function fencedBlocks(file: string): FencedBlock[] {
  const lines = read(file).split("\n");
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i] ?? "");
    if (open === null) continue;
    const indent = open[1] ?? "";
    const before = lines.slice(0, i).reverse().find((text) => text.trim() !== "") ?? "";
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ""); i++) body.push((lines[i] ?? "").slice(indent.length));
    blocks.push({ file, line: start + 1, lang: open[2] ?? "", before: before.trim(), code: body.join("\n") });
  }
  return blocks;
}

/** The first fenced block after `<!-- readme-test: name -->` in README.md. */
function readmeBlock(name: string): string {
  const block = fencedBlocks("README.md").find((candidate) => candidate.before === `<!-- readme-test: ${name} -->`);
  if (block === undefined) throw new Error(`README has no block marked readme-test: ${name}`);
  return block.code;
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

describe("README quick start, and the runnable blocks of docs/http-api.md", () => {
  let dev: ChildProcess;
  let port: number;
  let output = "";
  let token = "";
  // The dev server generates TRIGGER_TOKEN; a static webhook token lets the docs post callbacks by hand.
  const webhookToken = randomBytes(24).toString("base64url");
  const envDir = mkdtempSync(join(tmpdir(), "relay-readme-"));
  const envFile = join(envDir, ".env.local");

  beforeAll(async () => {
    port = await freePort();
    // Its own process group, so that Ctrl-C can be sent to the lot as a terminal would.
    dev = spawn("npm", ["run", "dev"], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PORT: String(port),
        WEBHOOK_TOKEN: webhookToken,
        // The secrets it generates go to a file of the test's, not to the repository's .env.local.
        RELAY_DEV_ENV_FILE: envFile,
        LOG_FORMAT: "json",
        ...Object.fromEntries(
          ["TRIGGER_TOKEN", "WEBHOOK_SECRET", "LANGGRAPH_API_URL", "REDIS_URL", "PUBLIC_URL", "FORWARD_URL", "FORWARD_SECRET", "SLACK_WEBHOOK_URL"].map(
            (name) => [name, ""],
          ),
        ),
      },
    });
    dev.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    dev.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 90_000;
    while (!/Ctrl-C stops everything/.test(output)) {
      if (dev.exitCode !== null || Date.now() > deadline) throw new Error(`npm run dev did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    token = /export TRIGGER_TOKEN=(\S+)/.exec(output)?.[1] ?? "";
  }, 120_000);

  afterAll(() => {
    rmSync(envDir, { recursive: true, force: true });
    if (dev?.pid !== undefined && dev.exitCode === null) {
      try {
        process.kill(-dev.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });

  const bash = (script: string) =>
    spawnSync("bash", ["-c", script.replaceAll("localhost:3000", `localhost:${port}`)], {
      encoding: "utf8",
      env: { ...process.env, TRIGGER_TOKEN: token, WEBHOOK_TOKEN: webhookToken, RELAY: `http://localhost:${port}` },
      timeout: 60_000,
    });

  /**
   * A README block run as a reader runs it: in a shell where the banner's "Paste into your shell" lines
   * were pasted (they set RELAY and TRIGGER_TOKEN; the test's environment sets neither), the block as
   * written, nothing replaced.
   */
  const pasted = (block: string) => {
    const exports = output
      .split("\n")
      .filter((line) => /^\s+export [A-Z_]+=/.test(line))
      .map((line) => line.trim());
    const { TRIGGER_TOKEN: _token, RELAY: _relay, ...env } = process.env;
    return spawnSync("bash", ["-c", ["set -euo pipefail", ...exports, block].join("\n")], { encoding: "utf8", env, timeout: 60_000 });
  };

  it("gives the two commands on its first screen", () => {
    const firstScreen = readme.split("\n").slice(0, 15).join("\n");
    expect(firstScreen).toContain("npm ci && npm run dev");
    expect(firstScreen).toContain("npm ci && npm test");
  });

  it("prints the URL, a generated token and a curl to paste", () => {
    expect(output).toContain(`http://localhost:${port}/`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(output).toContain("generated and saved to");
    expect(readFileSync(envFile, "utf8")).toContain(`TRIGGER_TOKEN=${token}`);
    expect(output).toMatch(/curl -sS http:\/\/localhost:\d+\/api\/trigger/);
    expect(output).toMatch(/embedded: assistants agent, error_graph, hitl/);
  });

  it("runs the README's curl: the run answers, and its callback is recorded", async () => {
    const triggered = pasted(readmeBlock("trigger"));
    expect(triggered.status, triggered.stderr).toBe(0);
    const answer = JSON.parse(triggered.stdout) as { run_id: string; values: unknown };
    expect(JSON.stringify(answer.values)).toContain("echo: Hello!");

    // "a moment later, its callback has arrived"
    let listed = "";
    for (let i = 0; i < 50 && !listed.includes(answer.run_id); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      listed = pasted(readmeBlock("deliveries")).stdout;
    }
    expect(listed).toContain(answer.run_id);
    // The dev routes handled it: the delivery shows an action.
    const delivery = (JSON.parse(listed) as { deliveries: { run_id: string; actions: { name: string; state: string }[] }[] }).deliveries.find(
      (candidate) => candidate.run_id === answer.run_id,
    );
    expect(delivery?.actions).toEqual([expect.objectContaining({ name: "dev-log", state: "succeeded" })]);
    expect(listed).toContain("run.success");
  }, 90_000);

  it("runs the README's hitl example: it pauses, and its callback is run.paused", async () => {
    const triggered = pasted(readmeBlock("hitl"));
    expect(triggered.status, triggered.stderr).toBe(0);
    const answer = JSON.parse(triggered.stdout) as { run_id: string; values: unknown };
    expect(JSON.stringify(answer.values)).toContain("__interrupt__");
    let paused: { event: string } | undefined;
    for (let i = 0; i < 50 && paused?.event !== "run.paused"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const listed = JSON.parse(pasted(readmeBlock("deliveries")).stdout) as { deliveries: { run_id: string; event: string }[] };
      paused = listed.deliveries.find((candidate) => candidate.run_id === answer.run_id);
    }
    expect(paused?.event).toBe("run.paused");
  }, 90_000);

  it("runs the README's hitl resume block: that run's pause is approved, and the thread resumed", () => {
    const result = pasted(readmeBlock("hitl-resume"));
    expect(result.status, result.stderr).toBe(0);
    type Paused = { id: string; run_id: string; thread_id: string; event: string; decisions?: { channel: string; decision: string; run_id: string }[] };
    const answer = JSON.parse(result.stdout) as { run_id?: string; thread_id?: string; delivery?: Paused };
    expect(answer.run_id, result.stdout).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.delivery?.event).toBe("run.paused");
    expect(answer.delivery?.thread_id).toBe(answer.thread_id);
    expect(answer.delivery?.decisions).toEqual([expect.objectContaining({ channel: "inspector", decision: "approve", run_id: answer.run_id })]);
    // The pause left by the test before (an older, unanswered one) is still unanswered: the block
    // approved the pause of the run it started, on a new thread.
    const listed = JSON.parse(pasted(readmeBlock("deliveries")).stdout) as { deliveries: Paused[] };
    const pauses = listed.deliveries.filter((delivery) => delivery.event === "run.paused");
    expect(pauses.length).toBeGreaterThanOrEqual(2);
    expect(pauses.filter((delivery) => delivery.thread_id !== answer.thread_id).every((delivery) => (delivery.decisions ?? []).length === 0)).toBe(true);
  }, 90_000);

  it("says why a stateless run of hitl fails: it needs a thread", () => {
    const result = pasted(readmeBlock("hitl").replace(', "thread_id": "new"', ""));
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe("run_failed");
    expect(error.message).toContain('"thread_id": "new"');
  });

  it("runs the blocks of docs/http-api.md marked <!-- run -->, in order, in one shell", () => {
    const runnable = fencedBlocks("docs/http-api.md").filter((block) => block.before === "<!-- run -->");
    expect(runnable.length).toBeGreaterThanOrEqual(4);
    for (const block of runnable) expect(block.lang, `docs/http-api.md:${block.line}`).toBe("sh");
    const script = [
      "set -euo pipefail",
      // Any answer outside 2xx fails the block, and curl still prints the error body for the report.
      'curl() { command curl --fail-with-body "$@"; }',
      ...runnable.flatMap((block) => [`echo ">>> docs/http-api.md:${block.line}" >&2`, block.code]),
    ].join("\n");
    const result = bash(script);
    const failedAt = result.stderr.match(/>>> (\S+)/g)?.at(-1) ?? "(before the first block)";
    expect(result.status, `failed in the block at ${failedAt}\n${result.stderr}\n${result.stdout.slice(-2000)}`).toBe(0);
    // What the blocks say they show: a run's echo, a stream, an idempotent replay, a duplicate callback.
    expect(result.stdout).toContain("echo: Hello!");
    expect(result.stdout).toContain("event: metadata");
    expect(result.stdout.toLowerCase()).toContain("idempotent-replayed: true");
    expect(result.stdout).toContain('"duplicate":true');
    expect(result.stdout).toContain('"replayed"');
  }, 120_000);

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

describe("routes.ts examples of README.md and docs/", () => {
  const blocks = ["README.md", ...docsFiles].flatMap(fencedBlocks).filter((block) => block.lang === "ts");
  // In the ignored test-artifacts/, one directory deep: `./lib/` becomes `../../lib/`.
  const dir = join(root, "test-artifacts", `docs-routes-${process.pid}`);
  const files = blocks.map((block) => join(dir, `${block.file.replace(/\W+/g, "_")}_line${block.line}.ts`));

  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    blocks.forEach((block, i) => writeFileSync(files[i]!, block.code.replaceAll('from "./lib/', 'from "../../lib/')));
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../tsconfig.json", include: ["*.ts"] }));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has examples, each importing only the routing API, as routes.ts does", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const block of blocks) {
      const imports = [...block.code.matchAll(/from "([^"]+)"/g)].map((match) => match[1]);
      expect(imports, `${block.file}:${block.line}`).toEqual(["./lib/routing/index.js"]);
      expect(block.code, `${block.file}:${block.line}`).toMatch(/export const router = defineRoutes\(/);
    }
  });

  it("type-checks every example with the project's tsconfig", () => {
    const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json")], {
      cwd: root,
      encoding: "utf8",
      timeout: 170_000,
    });
    // Name the markdown file and line of each error, not the temporary file.
    const report = (tsc.stdout + tsc.stderr).replaceAll(`${relative(root, dir)}/`, "").replaceAll(dir + "/", "");
    expect(tsc.status, report).toBe(0);
  }, 180_000);

  it("loads every example: a router with its routes", async () => {
    for (const [i, block] of blocks.entries()) {
      const module = (await import(pathToFileURL(files[i]!).href)) as { router: { routes: readonly unknown[] } };
      expect(module.router.routes.length, `${block.file}:${block.line}`).toBeGreaterThan(0);
    }
  });
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading === null) continue;
    const base = (heading[1] ?? "")
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

describe("links between the documents", () => {
  const documents = ["README.md", ...docsFiles, "ARCHITECTURE.md", "SECURITY.md", "bench/README.md"];

  it.each(documents)("%s: every relative link resolves, #fragments included", (file) => {
    const text = read(file).replace(/```[\s\S]*?```/g, "");
    const broken: string[] = [];
    for (const [, target = ""] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [path = "", fragment] = target.split("#");
      const resolved = path === "" ? file : relative(root, join(root, dirname(file), path));
      if (!existsSync(join(root, resolved))) broken.push(`${target} (no ${resolved})`);
      else if (fragment !== undefined && !anchorsOf(read(resolved)).has(fragment)) broken.push(`${target} (no heading #${fragment} in ${resolved})`);
    }
    expect(broken).toEqual([]);
  });
});

it("no example of docs/http-api.md or the README hard-codes an Idempotency-Key: a second paste would replay the first answer", () => {
  const blocks = [...fencedBlocks("docs/http-api.md"), ...fencedBlocks("README.md")];
  expect(blocks.length).toBeGreaterThan(5);
  for (const block of blocks) {
    // A literal key: `"Idempotency-Key": "order-1234"` (Python, JS) or `Idempotency-Key: order-1234` (curl).
    expect(block.code, `line ${block.line}`).not.toMatch(/Idempotency-Key["']?\s*:\s*["']?[A-Za-z0-9_-]+["'\s]/i);
  }
});
