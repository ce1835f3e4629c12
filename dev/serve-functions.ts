// Serves the functions in api/ and the files in public/ the way Vercel does: `/api/<name>` → the
// method export of `api/<name>.ts` (after vercel.json's rewrites, e.g. /api/openapi.json →
// /api/openapi), `/` and other paths → `public/`, anything else 404. Used by the dev server and by
// tests that go through real HTTP.
import { readdirSync, readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { errorResponse } from "../lib/http/errors.js";
import { HTTP_METHODS, type Handler, type HttpMethod } from "../lib/http/methods.js";
import { notFound } from "../lib/shared/errors.js";
import type { Logger } from "../lib/shared/log.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const apiDir = join(root, "api");
const publicDir = join(root, "public");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

export type FunctionModule = Partial<Record<HttpMethod, Handler>>;

/** vercel.json's rewrites of one exact path to another (the only kind the project uses). */
function loadRewrites(): Map<string, string> {
  const config = JSON.parse(readFileSync(join(root, "vercel.json"), "utf8")) as { rewrites?: { source: string; destination: string }[] };
  return new Map((config.rewrites ?? []).map(({ source, destination }) => [source, destination]));
}
const rewrites = loadRewrites();

/** The names of the functions in api/ (`webhook`, `trigger`, …). */
export function functionNames(): string[] {
  return readdirSync(apiDir)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .map((file) => file.slice(0, -3))
    .sort();
}

export async function loadFunctions(): Promise<Map<string, FunctionModule>> {
  const modules = new Map<string, FunctionModule>();
  for (const name of functionNames()) {
    modules.set(name, (await import(pathToFileURL(join(apiDir, `${name}.ts`)).href)) as FunctionModule);
  }
  return modules;
}

async function serveStatic(pathname: string): Promise<Response> {
  let relative = decodeURIComponent(pathname);
  if (relative.endsWith("/")) relative += "index.html";
  const file = normalize(join(publicDir, relative));
  if (!file.startsWith(publicDir + sep)) return errorResponse(notFound("Not found."));
  try {
    const info = await stat(file);
    if (!info.isFile()) return errorResponse(notFound("Not found."));
    return new Response(await readFile(file), {
      headers: { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" },
    });
  } catch {
    return errorResponse(notFound(`Not found: ${pathname}`));
  }
}

/**
 * A fetch handler for the whole app. `log` gets the line of a request no function answered (an unknown
 * /api/ path), as the functions log their own refusals.
 */
export function appHandler(modules: Map<string, FunctionModule>, log?: Logger): (request: Request) => Promise<Response> {
  const noFunction = (request: Request, path: string) => {
    log?.warn("request refused", { status: 404, code: "not_found", method: request.method, path, error: "no such function" });
    return errorResponse(notFound(`No function at ${path}.`));
  };
  return async (request) => {
    const url = new URL(request.url);
    const match = /^\/api\/([A-Za-z0-9_-]+)\/?$/.exec(rewrites.get(url.pathname) ?? url.pathname);
    if (match !== null) {
      const module = modules.get(match[1] as string);
      const method = request.method.toUpperCase() as HttpMethod;
      const handler = HTTP_METHODS.includes(method) ? module?.[method] : undefined;
      if (module === undefined) return noFunction(request, url.pathname);
      if (handler === undefined) return new Response(null, { status: 405 });
      return handler(request);
    }
    if (url.pathname.startsWith("/api/")) return noFunction(request, url.pathname);
    if (request.method !== "GET" && request.method !== "HEAD") return errorResponse(notFound("Not found."));
    return serveStatic(url.pathname);
  };
}
