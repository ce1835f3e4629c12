// `npm run build:vercel`: type-check, then write `.vercel/output` (Vercel's Build Output API v3) with
// scripts/bundle-functions.mjs — one esbuild bundle per api/*.ts, public/ as static files, vercel.json's
// rewrites and crons, limits.ts's maxDuration. Offline, a few seconds. `vercel deploy --prebuilt` uploads
// exactly this directory: the functions check-built-functions.mjs imports and built-output.test.ts serves.
// A remote build (`vercel deploy`, a Git push) runs this same script as package.json's `vercel-build`,
// through vercel.json's `builds` (@vercel/static-build), with --inside-vercel-build: `vercel build` then
// adds vercel.json's rewrites and crons to config.json itself, and ships the same function files.
// (Without that `builds`, Vercel's zero-config pass would build every api/*.ts again with @vercel/node
// after the build command — traced node_modules, ~12 MB a function — over the bundles.)
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleProject, bytesUnder, FUNCTION_BUDGET_BYTES } from "./bundle-functions.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// Type errors are a gate of their own: esbuild strips types without checking them.
if (!process.argv.includes("--no-typecheck")) {
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"], {
    cwd: root,
    stdio: "inherit",
  });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

const started = performance.now();
const outDir = join(root, ".vercel", "output");
const { functions, runtime } = await bundleProject({ root, outDir, insideVercelBuild: process.argv.includes("--inside-vercel-build") });
let over = 0;
for (const name of functions) {
  const bytes = bytesUnder(join(outDir, "functions", "api", `${name}.func`));
  if (bytes > FUNCTION_BUDGET_BYTES) over += 1;
  console.log(`  api/${name}.func  ${(bytes / 1024).toFixed(0)} kB${bytes > FUNCTION_BUDGET_BYTES ? `  over the budget of ${FUNCTION_BUDGET_BYTES / 1024} kB` : ""}`);
}
console.log(`.vercel/output: ${functions.length} functions (${runtime}) in ${Math.round(performance.now() - started)} ms`);
if (over > 0) process.exit(1);
