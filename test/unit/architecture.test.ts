// The import rules of ARCHITECTURE.md, enforced: every import in lib/, api/, dev/ and routes.ts
// (type-only and dynamic ones included) must go to a folder its own folder may import. The rules are
// read from ARCHITECTURE.md itself, so the document and the check cannot drift apart.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

type Rules = ReadonlyMap<string, readonly string[]>;

/** The table between the import-rules markers: `| folder | may import |`, `—` for nothing. */
export function parseRules(markdown: string): Rules {
  const section = /<!-- import-rules:start -->([\s\S]*?)<!-- import-rules:end -->/.exec(markdown)?.[1];
  if (section === undefined) throw new Error("ARCHITECTURE.md has no import-rules section");
  const rules = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const [, folder, allowed] = cells;
    if (folder === undefined || allowed === undefined || folder === "folder" || folder.startsWith("---") || folder === "") continue;
    rules.set(folder, allowed === "—" ? [] : allowed.split(",").map((entry) => entry.trim()));
  }
  return rules;
}

/** Which rule a project file falls under: `lib/<folder>`, `api`, `dev` or `routes.ts`. */
export function unitOf(file: string): string {
  if (file === "routes.ts") return "routes.ts";
  const [top, second] = file.split("/");
  if (top === "lib") return second !== undefined && file.split("/").length > 2 ? `lib/${second}` : file;
  return top ?? file;
}

/** Whether `from` may import `target` (both project-relative paths). */
export function allowed(rules: Rules, from: string, target: string): boolean {
  const fromUnit = unitOf(from);
  const targetUnit = unitOf(target);
  if (fromUnit === targetUnit) return true;
  const may = rules.get(fromUnit);
  if (may === undefined) return false;
  return may.some((entry) => entry === target || entry === targetUnit || (entry === "lib" && target.startsWith("lib/")));
}

const SPECIFIER = /(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Project-relative targets of every relative import in `source`, written in file `file`. */
export function importsOf(file: string, source: string): string[] {
  const targets: string[] = [];
  // Comment lines (examples in prose) are not imports.
  const code = source
    .split("\n")
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
    .join("\n");
  for (const match of code.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2];
    if (specifier === undefined || !specifier.startsWith(".")) continue;
    const target = normalize(join(dirname(file), specifier)).replace(/\.js$/, ".ts");
    targets.push(target);
  }
  return targets;
}

export interface Violation {
  file: string;
  target: string;
}

export function violations(rules: Rules, files: ReadonlyMap<string, string>): Violation[] {
  const found: Violation[] = [];
  for (const [file, source] of files) {
    for (const target of importsOf(file, source)) {
      if (target.startsWith("..")) found.push({ file, target });
      else if (!allowed(rules, file, target)) found.push({ file, target });
    }
  }
  return found;
}

function sourceFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir))) {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (/\.(ts|mts|mjs|js)$/.test(name)) files.set(path, readFileSync(join(root, path), "utf8"));
    }
  };
  for (const dir of ["lib", "api", "dev"]) walk(dir);
  files.set("routes.ts", readFileSync(join(root, "routes.ts"), "utf8"));
  return files;
}

const rules = parseRules(readFileSync(join(root, "ARCHITECTURE.md"), "utf8"));

describe("import rules (ARCHITECTURE.md)", () => {
  it("holds for every import in lib/, api/, dev/ and routes.ts", () => {
    const files = sourceFiles();
    expect(files.size).toBeGreaterThan(40);
    expect(violations(rules, files).map(({ file, target }) => `${file} → ${target}`)).toEqual([]);
  });

  it("has a rule for every folder of lib/, and no file loose in lib/", () => {
    const folders = readdirSync(join(root, "lib"));
    for (const name of folders) {
      expect(statSync(join(root, "lib", name)).isDirectory(), `lib/${name} is a file outside every folder`).toBe(true);
      expect(rules.has(`lib/${name}`), `no rule for lib/${name}`).toBe(true);
    }
  });

  it("catches a broken rule: lib importing api, a core folder importing handlers, api doing more than adapting", () => {
    const broken = new Map([
      ["lib/shared/errors.ts", 'import { route } from "../http/methods.js";'],
      ["lib/model/events.ts", 'import type { Runtime } from "../runtime/runtime.js";'],
      ["lib/trigger/runs.ts", 'const router = await import("../routing/index.js");'],
      ["lib/handlers/webhook.ts", 'import { POST } from "../../api/webhook.js";'],
      ["api/webhook.ts", 'import { startRun } from "../lib/trigger/runs.js";'],
      ["routes.ts", 'import { forward } from "./lib/routing/actions/forward.js";'],
      ["lib/stores/memory-delivery-store.ts", 'export { x } from "../stores/delivery-store.js";'],
    ]);
    expect(violations(rules, broken).map((v) => v.file)).toEqual([
      "lib/shared/errors.ts",
      "lib/model/events.ts",
      "lib/trigger/runs.ts",
      "lib/handlers/webhook.ts",
      "api/webhook.ts",
      "routes.ts",
    ]);
  });

  it("reads import, export-from, type-only and dynamic imports alike", () => {
    const source = [
      'import a from "./a.js";',
      'import type { B } from "../b.js";',
      'export { c } from "./c.js";',
      'export * from "./d.js";',
      'const e = await import("./e.js");',
      'import "./f.js";',
      'import { z } from "zod";',
    ].join("\n");
    expect(importsOf("lib/x/y.ts", source)).toEqual(["lib/x/a.ts", "lib/b.ts", "lib/x/c.ts", "lib/x/d.ts", "lib/x/e.ts", "lib/x/f.ts"]);
  });
});

