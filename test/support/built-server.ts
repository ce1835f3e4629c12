// The built output in a test of its own: `buildOutput` bundles the functions fresh into a directory the
// test owns (scripts/bundle-functions.mjs, what `npm run build:vercel` writes, without its type-check),
// so the test never serves a stale .vercel/output; `serveBuiltOutput` serves that directory in a plain
// `node` process (scripts/serve-vercel-output.mjs: no tsx, no TypeScript) configured only from the
// environment it is given, like a deployment — a process a test may SIGKILL and start again.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Bundles every api/*.ts into `outDir` (emptied first); rejects with the bundler's output if it fails. */
export function buildOutput(outDir: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["scripts/bundle-functions.mjs", outDir], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    proc.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    proc.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.once("error", reject);
    proc.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`scripts/bundle-functions.mjs ${outDir} ended with ${signal ?? String(code)}:\n${output.join("")}`));
    });
  });
}

export interface BuiltServer {
  url: string;
  process: ChildProcess;
  /** Everything it printed (stdout and stderr, line by line), kept after it exits. */
  lines: string[];
  /** SIGKILL: the process dies mid-whatever, as a crashed or recycled function instance does. */
  kill(): Promise<void>;
}

/**
 * Serves the build in `outDir` on 127.0.0.1:`port` with exactly `env` (plus PATH); resolves once it
 * listens. Its output is appended to `lines` (a caller's array, to keep one log across restarts).
 */
export async function serveBuiltOutput(outDir: string, port: number, env: Record<string, string>, lines: string[] = []): Promise<BuiltServer> {
  const proc = spawn(process.execPath, ["scripts/serve-vercel-output.mjs", String(port), outDir], {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  createInterface({ input: proc.stderr }).on("line", (line) => lines.push(line));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the built output did not listen within 30 s:\n${lines.join("\n")}`)), 30_000);
    createInterface({ input: proc.stdout }).on("line", (line) => {
      lines.push(line);
      if (line.startsWith("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the built output exited (${String(code)}) before listening:\n${lines.join("\n")}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    process: proc,
    lines,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}
