// `npm run build:vercel`: an offline `vercel build` into .vercel/output, with type errors fatal.
// Pitfalls handled here (see docs/operations.md, "Deploying to Vercel"): `vercel build` needs
// .vercel/project.json (a stub is written only where none exists), telemetry is off, and Vercel's
// global config is kept out of $HOME.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const projectJson = join(root, ".vercel", "project.json");
if (!existsSync(projectJson)) {
  mkdirSync(dirname(projectJson), { recursive: true });
  // installCommand "true": build with the node_modules already installed (npm ci), offline, instead
  // of letting `vercel build` run its own `npm install` over them.
  writeFileSync(
    projectJson,
    JSON.stringify({ projectId: "_", orgId: "_", settings: { installCommand: "true" } }, null, 2) + "\n",
  );
  console.log("wrote a stub .vercel/project.json (no linked project)");
}

// Type errors are a gate of their own: `vercel build` only prints them.
const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"], {
  cwd: root,
  stdio: "inherit",
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

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
      EXPERIMENTAL_NODE_TYPESCRIPT_ERRORS: "1",
      NO_UPDATE_NOTIFIER: "1",
      // The Node builder may still run its own `npm install` over the installed tree: keep it to the
      // local cache (filled by `npm ci`) so the build stays offline and leaves node_modules as it was.
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
