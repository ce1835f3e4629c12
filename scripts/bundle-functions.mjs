// Writes a complete Vercel Build Output API (v3) directory, `.vercel/output`, from this project: one
// function per api/*.ts file (found by listing api/, so new functions need no change here), each an
// esbuild bundle of its own (ESM, tree-shaken, routes.ts and every dependency inside) whose rarely-used
// parts — the LangGraph SDK, the Redis client, Standard Webhooks, schemas only some requests need —
// are separate chunks that a request loads with import() only when it needs them. Beside the
// functions: public/ as static files, and config.json with vercel.json's rewrites and crons, in the
// same routes `vercel build` (zero-config) writes for this project. Each function's maxDuration comes
// from lib/config/limits.ts, the one place the durations are written. `vercel deploy --prebuilt` uploads
// this directory as it is, so what ships is what check-built-functions.mjs and the tests served; a
// remote build (`vercel deploy`, `vercel build`) runs this same build through vercel.json's `builds`
// (@vercel/static-build runs package.json's `vercel-build` script and ships the .vercel/output it wrote).
//   node scripts/bundle-functions.mjs            (or `npm run build:vercel`, which type-checks first)
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The most a function may weigh (every file of its .func directory): issue 14's budget, 1 MiB. */
export const FUNCTION_BUDGET_BYTES = 1024 * 1024;

/**
 * The only vercel.json keys this build knows; any other key fails the build rather than be ignored.
 * (`functions` cannot be among them: Vercel refuses it beside `builds`; maxDuration is in limits.ts.)
 */
const KNOWN_KEYS = new Set(["$schema", "builds", "rewrites", "crons"]);

/**
 * vercel.json's `builds`, the one that makes a remote `vercel build` ship this build: without it Vercel's
 * zero-config pass builds every api/*.ts again with @vercel/node (traced node_modules, ~12 MB a
 * function) over the bundles. @vercel/static-build runs `vercel-build` and, finding .vercel/output
 * with a config.json, ships that directory (Build Output API v3) instead of building anything itself.
 */
export const VERCEL_BUILDS = [{ src: "package.json", use: "@vercel/static-build" }];

/** lib/config/limits.ts's MAX_DURATION_SECONDS (`{"api/x.ts": seconds}`), read by compiling that module. */
export async function maxDurations(root) {
  const result = await build({ absWorkingDir: root, entryPoints: ["lib/config/limits.ts"], bundle: true, write: false, format: "esm", platform: "node", logLevel: "silent" });
  const module = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString("base64")}`);
  return module.MAX_DURATION_SECONDS;
}

/** The Node.js versions Vercel runs, newest first. */
const VERCEL_NODE_MAJORS = [24, 22, 20];

/**
 * Vercel's runtime for package.json's `engines.node`: the newest major Vercel runs that the range names
 * ("24.x" → nodejs24.x, "^20.16.0 || ^22.0.0" → nodejs22.x), as Vercel itself picks; nodejs22.x when unset.
 */
export function runtimeOf(pkg) {
  const range = String(pkg.engines?.node ?? "");
  const named = new Set([...range.matchAll(/(?:^|[^\d.])(\d+)(?=\.|\b)/g)].map((match) => Number(match[1])));
  const atLeast = /^\s*>=\s*(\d+)/.exec(range)?.[1];
  const major = atLeast !== undefined ? VERCEL_NODE_MAJORS.find((candidate) => candidate >= Number(atLeast)) : VERCEL_NODE_MAJORS.find((candidate) => named.has(candidate));
  return `nodejs${major ?? 22}.x`;
}

/** The functions: every `api/*.ts` that Vercel's zero-config would build (no `_` or `.` prefix, no .d.ts). */
export function functionSources(root) {
  const dir = join(root, "api");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => /\.(ts|mts|js|mjs)$/.test(file) && !file.endsWith(".d.ts") && !/^[_.]/.test(file))
    .sort()
    .map((file) => ({ name: file.replace(/\.[^.]+$/, ""), source: `api/${file}` }));
}

/**
 * config.json's routes: vercel.json's rewrites (exact paths only) where `vercel build` puts them, then the
 * zero-config routes of a project with api/ and public/ (unknown /api paths 404, `/api/x.ts` reaches
 * `/api/x`), as `vercel build` 58 writes them for this project. Inside `vercel build` the rewrites are
 * left out (`withRewrites: false`): the CLI adds vercel.json's itself, and would have them twice.
 */
export function routesOf(vercelJson, { withRewrites = true } = {}) {
  const rewrites = (withRewrites ? (vercelJson.rewrites ?? []) : []).map((rewrite) => {
    if (/[:*(]/.test(rewrite.source) || /[:$]/.test(rewrite.destination) || rewrite.has || rewrite.missing) {
      throw new Error(`vercel.json rewrite ${JSON.stringify(rewrite)}: only exact paths are translated by scripts/bundle-functions.mjs`);
    }
    return { src: `^${rewrite.source.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, dest: rewrite.destination, check: true };
  });
  return [
    { handle: "filesystem" },
    ...rewrites,
    { src: "^/api(/.*)?$", status: 404 },
    { handle: "error" },
    { status: 404, src: "^(?!/api).*$", dest: "/404.html" },
    { handle: "miss" },
    { src: "^/api/(.+)(?:\\.(?:ts))$", dest: "/api/$1", check: true },
  ];
}

/**
 * A CommonJS dependency bundled into ESM may still `require()` a Node built-in: give the bundle a real
 * `require`, as Node gives CommonJS modules.
 */
const REQUIRE_SHIM = 'import { createRequire as __relayCreateRequire } from "node:module"; const require = __relayCreateRequire(import.meta.url);';

/**
 * Modules the bundle replaces with stand-ins that throw if ever called. The LangGraph SDK's client imports
 * `@langchain/core/messages` (and through it LangSmith, ~330 kB minified) only for its message assemblers
 * of thread streams, which the relay never uses: the relay starts runs, streams raw events and reads runs,
 * threads and crons. `@langchain/core` is an optional peer of the SDK (a devDependency here, for the
 * embedded LangGraph server). Likewise `ws`, which `@vercel/functions` imports only for its WebSocket
 * helper (the relay takes `waitUntil` alone from it; ~50 kB). A call into a stand-in fails loudly, naming the module; the end-to-end test
 * of the built output runs every SDK call the relay makes against the real LangGraph server.
 */
export const STAND_INS = ["@langchain/core/messages", "ws"];

const unusedPeerModules = {
  name: "unused-peer-modules",
  setup(build) {
    const filter = new RegExp(`^(${STAND_INS.map((name) => name.replace(/[/.]/g, "\\$&")).join("|")})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: "stand-in" }));
    build.onLoad({ filter: /.*/, namespace: "stand-in" }, async (args) => {
      const real = await import(args.path);
      const lines = [`const unused = (name) => { throw new Error(name + " of ${args.path} is not in this build (scripts/bundle-functions.mjs STAND_INS)"); };`];
      for (const name of Object.keys(real).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key))) {
        const local = `stand_in_${name}`;
        lines.push(typeof real[name] === "function" ? `function ${local}() { unused(${JSON.stringify(name)}); }` : `const ${local} = undefined;`);
        lines.push(`export { ${local} as ${name} };`);
      }
      return { contents: lines.join("\n"), loader: "js" };
    });
  },
};

/**
 * `await import("redis-like-cjs-package")` in a bundle: esbuild's ESM output hands such a dynamic import
 * of a CommonJS package only `{ default }`, where Node gives its named exports too (`const { Webhook } =
 * await import("standardwebhooks")` would find nothing). Each such import goes through an ESM module of
 * named re-exports instead — the names Node itself finds in the package — which esbuild links statically.
 */
const namedExportsOfCommonJs = {
  name: "named-exports-of-commonjs",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== "dynamic-import" || args.path.startsWith("node:")) return undefined;
      const resolved = await build.resolve(args.path, { kind: "import-statement", resolveDir: args.resolveDir });
      if (resolved.errors.length > 0 || !isCommonJs(resolved.path)) return undefined;
      return { path: args.path, namespace: "named-exports", pluginData: { resolveDir: args.resolveDir } };
    });
    build.onLoad({ filter: /.*/, namespace: "named-exports" }, async (args) => {
      const require = createRequire(join(args.pluginData.resolveDir, "noop.js"));
      const real = await import(pathToFileURL(require.resolve(args.path)).href);
      const names = Object.keys(real).filter((key) => key !== "default" && /^[A-Za-z_$][\w$]*$/.test(key));
      const spec = JSON.stringify(args.path);
      return { contents: `export { ${names.join(", ")} } from ${spec};\nexport { default } from ${spec};\n`, loader: "js", resolveDir: args.pluginData.resolveDir };
    });
  },
};

/**
 * `import { z } from "zod"` hands the bundle zod's `z` object, which esbuild cannot prune: every member,
 * all 40 locales included, ~450 kB minified. `import * as z from "zod"` — the same members — lets it keep
 * only what is used (~85 kB for a few schemas). The project's files are written that way; this keeps a new
 * file written the other way from costing every function 370 kB.
 */
const zodAsNamespace = {
  name: "zod-as-namespace",
  setup(build) {
    build.onLoad({ filter: /\.m?ts$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const source = await readFile(args.path, "utf8");
      const named = /^import \{ z \} from "zod";$/m;
      return named.test(source) ? { contents: source.replace(named, 'import * as z from "zod";'), loader: "ts" } : undefined;
    });
  },
};

/**
 * Packages whose root loads far more than the relay takes from them, mapped to the package's own module
 * of what it takes. `@vercel/functions`' root loads its OIDC, cache, database, header and WebSocket
 * helpers (~10 ms of a cold start) for `waitUntil`, which lives alone in its `wait-until.js`. Importing
 * anything else from the root fails the build ("No matching export"): add it here, or map it elsewhere.
 */
export const NARROW_ENTRIES = { "@vercel/functions": "@vercel/functions/wait-until.js" };

const narrowEntries = {
  name: "narrow-entries",
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(NARROW_ENTRIES).map((name) => name.replace(/[/.]/g, "\\$&")).join("|")})$`);
    build.onResolve({ filter }, (args) => {
      // The package's directory: up from its main module to the package.json that names it.
      let dir = dirname(createRequire(join(args.resolveDir, "noop.js")).resolve(args.path));
      while (dir !== dirname(dir) && (!existsSync(join(dir, "package.json")) || JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name !== args.path)) dir = dirname(dir);
      return { path: join(dir, NARROW_ENTRIES[args.path].slice(args.path.length + 1)) };
    });
  },
};

/** Whether Node loads `file` as CommonJS: .cjs, or .js under a package.json without `"type": "module"`. */
function isCommonJs(file) {
  if (file.endsWith(".cjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, "utf8")).type !== "module";
  }
  return true;
}

/** Bundles one function into `dir`: index.js (the handler), chunks/ (what it imports lazily), package.json. */
async function bundleFunction(root, fn, dir) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { index: fn.source },
    outdir: dir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Less to read and compile on a cold start; function names in stack traces are lost, file names kept.
    minify: true,
    treeShaking: true,
    plugins: [unusedPeerModules, namedExportsOfCommonJs, zodAsNamespace, narrowEntries],
    chunkNames: "chunks/[name]-[hash]",
    banner: { js: REQUIRE_SHIM },
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  // The shim is for the files that call `require`; in the others it would only cost its import.
  for (const file of Object.keys(result.metafile.outputs)) {
    const path = join(root, file);
    const code = readFileSync(path, "utf8");
    if (code.startsWith(REQUIRE_SHIM) && !/\brequire\b/.test(code.slice(REQUIRE_SHIM.length))) writeFileSync(path, code.slice(REQUIRE_SHIM.length).replace(/^\n/, ""));
  }
  // The bundle is ESM in .js files, as `vercel build` emits it: the function's own package.json says so.
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }) + "\n");
  return result.metafile;
}

/**
 * Writes the whole Build Output directory for the project at `root` into `outDir` (emptied first).
 * Returns, per function, esbuild's metafile (what went into which file) for the size report and tests.
 * `insideVercelBuild`: run by `vercel build` (package.json's `vercel-build`), which merges vercel.json's
 * rewrites and crons into config.json itself, so they are left out here.
 */
export async function bundleProject({ root = here, outDir = join(root, ".vercel", "output"), insideVercelBuild = false } = {}) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const vercelJsonPath = join(root, "vercel.json");
  const vercelJson = existsSync(vercelJsonPath) ? JSON.parse(readFileSync(vercelJsonPath, "utf8")) : {};
  const unknown = Object.keys(vercelJson).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) {
    if (unknown.includes("functions")) {
      throw new Error("vercel.json has `functions`, which Vercel refuses beside `builds`: set a function's maxDuration in lib/config/limits.ts MAX_DURATION_SECONDS");
    }
    throw new Error(`vercel.json has ${unknown.join(", ")}, which scripts/bundle-functions.mjs does not translate into .vercel/output: teach it, or the deployment would silently lack it`);
  }
  if (JSON.stringify(vercelJson.builds) !== JSON.stringify(VERCEL_BUILDS)) {
    throw new Error(`vercel.json must have "builds": ${JSON.stringify(VERCEL_BUILDS)}: without it a remote \`vercel build\` replaces these bundles with @vercel/node's own build of api/`);
  }
  const runtime = runtimeOf(pkg);
  const functions = functionSources(root);
  const durations = await maxDurations(root);
  for (const key of Object.keys(durations)) {
    if (!functions.some((fn) => fn.source === key)) throw new Error(`lib/config/limits.ts MAX_DURATION_SECONDS["${key}"] matches no file in api/`);
  }
  for (const fn of functions) {
    if (durations[fn.source] === undefined) throw new Error(`${fn.source} has no maxDuration: add it to lib/config/limits.ts MAX_DURATION_SECONDS`);
  }

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, "functions", "api"), { recursive: true });
  const metafiles = {};
  await Promise.all(
    functions.map(async (fn) => {
      const dir = join(outDir, "functions", "api", `${fn.name}.func`);
      metafiles[fn.name] = await bundleFunction(root, fn, dir);
      const config = {
        runtime,
        architecture: "x86_64",
        handler: "index.js",
        // Vercel's Node.js launcher: it calls the module's exported GET, POST, … with a Web Request.
        launcherType: "Nodejs",
        // The helpers decorate (req, res) handlers; these functions take a Request and return a Response.
        shouldAddHelpers: false,
        supportsResponseStreaming: true,
        maxDuration: durations[fn.source],
      };
      writeFileSync(join(dir, ".vc-config.json"), JSON.stringify(config, null, 2) + "\n");
    }),
  );

  const publicDir = join(root, "public");
  mkdirSync(join(outDir, "static"), { recursive: true });
  if (existsSync(publicDir)) cpSync(publicDir, join(outDir, "static"), { recursive: true });

  const crons = insideVercelBuild ? [] : (vercelJson.crons ?? []);
  const config = { version: 3, routes: routesOf(vercelJson, { withRewrites: !insideVercelBuild }), crons };
  writeFileSync(join(outDir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  return { functions: functions.map((fn) => fn.name), metafiles, runtime };
}

/** Bytes of every file under `dir` (apparent size, what Vercel counts toward a function's limit). */
export function bytesUnder(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(path) : statSync(path).size;
  }
  return total;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const outDir = process.argv[2] ?? join(here, ".vercel", "output");
  const { functions, runtime, metafiles } = await bundleProject({ outDir });
  for (const name of functions) {
    const dir = join(outDir, "functions", "api", `${name}.func`);
    const entry = Object.entries(metafiles[name].outputs).find(([file]) => file.endsWith("/index.js"))?.[1];
    const eager = (entry?.bytes ?? 0) + (entry?.imports ?? []).filter((i) => i.kind === "import-statement" && !i.external).reduce((sum, i) => sum + (metafiles[name].outputs[i.path]?.bytes ?? 0), 0);
    console.log(`  api/${name}: ${(bytesUnder(dir) / 1024).toFixed(0)} kB, of which loaded at start ${(eager / 1024).toFixed(0)} kB`);
  }
  console.log(`bundled ${functions.length} functions for ${runtime} into ${outDir} in ${Math.round(performance.now() - started)} ms`);
}
