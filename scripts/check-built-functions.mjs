// Imports every built function under .vercel/output/functions in a plain `node` process — no tsx,
// no vitest — and calls it once, and holds each to its size budget. This is what catches a module the
// bundle could not resolve or link (a missing export, a dependency left out): both pass every other
// check and crash on Vercel.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bytesUnder, FUNCTION_BUDGET_BYTES } from "./bundle-functions.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const functionsDir = join(root, ".vercel/output/functions");

function findFuncs(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    if (entry.endsWith(".func")) found.push(path);
    else found.push(...findFuncs(path));
  }
  return found;
}

const funcs = findFuncs(functionsDir);
if (funcs.length === 0) {
  console.error(`no functions found under ${functionsDir}: run npm run build:vercel first`);
  process.exit(1);
}
let failed = 0;
for (const func of funcs) {
  const name = func.slice(functionsDir.length + 1);
  try {
    const config = JSON.parse(readFileSync(join(func, ".vc-config.json"), "utf8"));
    const mod = await import(pathToFileURL(join(func, config.handler)).href);
    const exported = Object.keys(mod).filter((key) => typeof mod[key] === "function");
    if (!exported.includes("POST") && !exported.includes("GET")) {
      throw new Error(`exports no Web handler (found: ${exported.join(", ") || "nothing"})`);
    }
    // A method the function does not serve must get the pinned JSON 405, proving the module runs.
    const response = await mod.PUT(new Request("http://localhost/" + name, { method: "PUT" }));
    const body = await response.json();
    if (response.status !== 405 || body?.error?.code !== "method_not_allowed") {
      throw new Error(`PUT answered ${response.status} ${JSON.stringify(body)}`);
    }
    const bytes = bytesUnder(func);
    if (bytes > FUNCTION_BUDGET_BYTES) throw new Error(`weighs ${bytes} bytes, over its budget of ${FUNCTION_BUDGET_BYTES}`);
    console.log(`ok   ${name} (${config.runtime}, maxDuration ${config.maxDuration ?? "default"}, ${(bytes / 1024).toFixed(0)} kB): ${exported.join(" ")}`);
  } catch (error) {
    failed += 1;
    console.error(`FAIL ${name}: ${error instanceof Error ? error.stack : String(error)}`);
  }
}
if (failed > 0) process.exit(1);
console.log(`${funcs.length} built functions import and answer in plain node`);
