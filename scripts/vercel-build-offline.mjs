// `npm run build:vercel`: an offline `vercel build` into .vercel/output — the very build a remote
// `vercel deploy` runs. With vercel.json's `builds` (@vercel/static-build), `vercel build` runs
// package.json's `vercel-build` (scripts/build-vercel.mjs: the type check, then one esbuild bundle per
// api/*.ts) and keeps the Build Output it wrote, adding vercel.json's rewrites and crons.
// Pitfalls handled here (see docs/operations.md, "Deploying to Vercel"): `vercel build` needs
// .vercel/project.json (a stub is written only where none exists), telemetry is off, Vercel's global
// config is kept out of $HOME, and its own `npm install` stays on the local cache (offline).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const projectJson = join(root, ".vercel", "project.json");
if (!existsSync(projectJson)) {
  mkdirSync(dirname(projectJson), { recursive: true });
  writeFileSync(projectJson, JSON.stringify({ projectId: "_", orgId: "_", settings: {} }, null, 2) + "\n");
  console.log("wrote a stub .vercel/project.json (no linked project)");
}

const globalConfig = mkdtempSync(join(tmpdir(), "vercel-global-"));
const result = spawnSync(
  process.execPath,
  [join(root, "node_modules/vercel/dist/vc.js"), "build", "--yes", "--global-config", globalConfig],
  {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      VERCEL_TELEMETRY_DISABLED: "1",
      NO_UPDATE_NOTIFIER: "1",
      npm_config_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
    },
  },
);
rmSync(globalConfig, { recursive: true, force: true });
if (result.status !== 0) process.exit(result.status ?? 1);
if (!existsSync(join(root, ".vercel/output/config.json"))) {
  console.error("vercel build exited 0 but produced no .vercel/output/config.json");
  process.exit(1);
}
