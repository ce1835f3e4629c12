// `npm run build:vercel`: type-check, then write `.vercel/output` (Vercel's Build Output API v3) with
// scripts/bundle-functions.mjs — one esbuild bundle per api/*.ts, public/ as static files, vercel.json's
// rewrites, crons and maxDuration. Offline, a few seconds. `vercel deploy --prebuilt` uploads exactly this
// directory: the functions check-built-functions.mjs imports and test/e2e/built-output.test.ts serves.
// (Why not `vercel build`: its zero-config pass builds every api/*.ts again with its own Node builder,
// after any build command, and that output — traced node_modules, ~12 MB and ~1,450 files a function —
// would replace the bundles; see docs/operations.md, "Deploying to Vercel".)
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
const { functions, runtime } = await bundleProject({ root, outDir });
let over = 0;
for (const name of functions) {
  const bytes = bytesUnder(join(outDir, "functions", "api", `${name}.func`));
  if (bytes > FUNCTION_BUDGET_BYTES) over += 1;
  console.log(`  api/${name}.func  ${(bytes / 1024).toFixed(0)} kB${bytes > FUNCTION_BUDGET_BYTES ? `  over the budget of ${FUNCTION_BUDGET_BYTES / 1024} kB` : ""}`);
}
console.log(`.vercel/output: ${functions.length} functions (${runtime}) in ${Math.round(performance.now() - started)} ms`);
if (over > 0) process.exit(1);
