// The environment of `npm run dev`: the shell's variables, then `.env.local` (the file `vercel env pull`
// writes, git-ignored), then secrets generated once and written to that file, so that the token
// exported in a shell and the page's session survive every restart.
//
// A value set in the shell wins over the file; a value in the file is never rewritten: generated
// secrets are appended, only for names that are set nowhere. An empty value counts as unset (the
// tests start the server with `TRIGGER_TOKEN=` to mean "none").
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

/** The secrets the dev server needs and can make up: the rest (LANGGRAPH_API_URL, …) has defaults. */
export const GENERATED_SECRETS = ["TRIGGER_TOKEN", "WEBHOOK_SECRET"] as const;

/** `<repository>/.env.local`, or RELAY_DEV_ENV_FILE (the tests point it at a temporary file). */
export function defaultEnvFile(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const chosen = (env["RELAY_DEV_ENV_FILE"] ?? "").trim();
  return chosen !== "" ? chosen : fileURLToPath(new URL("../.env.local", import.meta.url));
}

export interface DevEnvironment {
  env: Record<string, string | undefined>;
  /** The file read and written, if any. */
  file: string | undefined;
  /** Names whose value came from the file. */
  fromFile: string[];
  /** Names generated now (and written to the file when there is one). */
  generated: string[];
  /**
   * Writes the generated secrets to the file (once; nothing to do when none were generated). With
   * `deferSave` the caller calls it once the server listens, so a start that fails (a port in use)
   * leaves the file as it was.
   */
  save(): void;
}

const isSet = (value: string | undefined) => value !== undefined && value.trim() !== "";

/**
 * `vercel env pull` also writes the system variables of a deployment (VERCEL=1, VERCEL_URL, …): on a
 * laptop they would make the relay believe it runs on Vercel. Only these two of them mean something here.
 */
const fromDeploymentOnly = (name: string) =>
  (name === "VERCEL" || name.startsWith("VERCEL_")) && name !== "VERCEL_ENV" && name !== "VERCEL_AUTOMATION_BYPASS_SECRET";

/** Reads `file` (when given) under `source`, then generates and saves the secrets still missing. */
export function loadDevEnvironment(
  source: Readonly<Record<string, string | undefined>>,
  file: string | undefined,
  options: { deferSave?: boolean } = {},
): DevEnvironment {
  const env: Record<string, string | undefined> = { ...source };
  const fromFile: string[] = [];
  const fileValues = file !== undefined && existsSync(file) ? parseEnv(readFileSync(file, "utf8")) : {};
  for (const [name, value] of Object.entries(fileValues)) {
    if (!isSet(env[name]) && isSet(value) && !fromDeploymentOnly(name)) {
      env[name] = value;
      fromFile.push(name);
    }
  }
  const generated: string[] = [];
  const lines: string[] = [];
  for (const name of GENERATED_SECRETS) {
    if (isSet(env[name])) continue;
    // 24 bytes: 32 base64url characters, the minimum length the relay accepts for a token.
    const value = randomBytes(24).toString("base64url");
    env[name] = value;
    generated.push(name);
    lines.push(`${name}=${value}`);
  }
  let saved = false;
  const save = () => {
    if (saved || file === undefined || lines.length === 0) return;
    saved = true;
    if (!existsSync(file)) {
      writeFileSync(file, "# Written by `npm run dev`: secrets generated once and reused at every start. Not committed (.gitignore).\n", { mode: 0o600 });
    } else if (!readFileSync(file, "utf8").endsWith("\n")) {
      appendFileSync(file, "\n");
    }
    appendFileSync(file, `${lines.join("\n")}\n`);
  };
  if (options.deferSave !== true) save();
  return { env, file, fromFile, generated, save };
}
