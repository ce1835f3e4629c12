#!/usr/bin/env node
// Serves a built `.vercel/output` the way Vercel would, in a plain `node` process (no tsx, no
// TypeScript): static files from `static/`, each function from its `.func` directory as described by
// its `.vc-config.json`, one module graph per function (so, as on Vercel, functions share no memory).
//   node scripts/serve-vercel-output.mjs [port] [output dir]   (PORT, or 3000; .vercel/output; prints "listening on <url>")
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, sep, dirname, resolve } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const isMain = Boolean(process.argv[1]) && fileURLToPath(import.meta.url) === process.argv[1];
// A build elsewhere (a test's temporary directory, from `node scripts/bundle-functions.mjs <dir>`) is
// served when named on the command line, so a test never serves a stale .vercel/output.
const output = isMain && process.argv[3] ? resolve(process.argv[3]) : join(root, ".vercel/output");
const staticDir = join(output, "static");
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon" };

function findFunctions(dir, prefix = "") {
  const found = new Map();
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    if (entry.endsWith(".func")) found.set(`/${prefix}${entry.slice(0, -5)}`, path);
    else for (const [route, fn] of findFunctions(path, `${prefix}${entry}/`)) found.set(route, fn);
  }
  return found;
}

export async function loadBuiltFunctions() {
  if (!existsSync(join(output, "config.json"))) throw new Error(`${output} has no build: run npm run build:vercel`);
  const functions = new Map();
  for (const [route, dir] of findFunctions(join(output, "functions"))) {
    const config = JSON.parse(readFileSync(join(dir, ".vc-config.json"), "utf8"));
    const module = await import(pathToFileURL(join(dir, config.handler)).href);
    functions.set(route, { module, config });
  }
  return functions;
}

function toRequest(req, origin) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const controller = new AbortController();
  req.once("close", () => { if (!req.complete || req.destroyed) controller.abort(); });
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: hasBody ? "half" : undefined,
    signal: controller.signal,
  });
}

async function send(res, response) {
  const headers = {};
  response.headers.forEach((value, name) => { headers[name] = value; });
  res.writeHead(response.status, headers);
  if (response.body === null) return res.end();
  // Streams (server-sent events) are written chunk by chunk, flushed as they come.
  const reader = response.body.getReader();
  res.once("close", () => reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    res.write(value);
  }
  res.end();
}

async function serveStatic(pathname) {
  let relative = decodeURIComponent(pathname);
  if (relative.endsWith("/")) relative += "index.html";
  const file = normalize(join(staticDir, relative));
  if (!file.startsWith(staticDir + sep)) return undefined;
  try {
    if (!statSync(file).isFile()) return undefined;
    return new Response(await readFile(file), { headers: { "content-type": TYPES[extname(file)] ?? "application/octet-stream" } });
  } catch {
    return undefined;
  }
}

/**
 * The build's rewrites: the `{src, dest, check: true}` routes of config.json without a status (e.g.
 * vercel.json's /api/openapi.json → /api/openapi), applied to the path before a function is looked up.
 */
function loadRewrites() {
  const config = JSON.parse(readFileSync(join(output, "config.json"), "utf8"));
  return (config.routes ?? [])
    .filter((route) => typeof route.src === "string" && typeof route.dest === "string" && route.check === true && route.status === undefined)
    .map((route) => ({ src: new RegExp(route.src), dest: route.dest }));
}

export async function startBuiltServer({ port = 0, hostname = "127.0.0.1" } = {}) {
  const functions = await loadBuiltFunctions();
  const rewrites = loadRewrites();
  const rewritten = (pathname) => {
    const rewrite = rewrites.find(({ src }) => src.test(pathname));
    return rewrite === undefined ? pathname : pathname.replace(rewrite.src, rewrite.dest);
  };
  const server = createServer(async (req, res) => {
    try {
      const origin = `http://${req.headers.host ?? `${hostname}:${port}`}`;
      const url = new URL(req.url ?? "/", origin);
      const fn = functions.get(rewritten(url.pathname).replace(/\/$/, ""));
      let response;
      if (fn !== undefined) {
        const handler = METHODS.includes(req.method) ? fn.module[req.method] : undefined;
        // Vercel answers a method the function does not export with an empty 405.
        response = typeof handler === "function" ? await handler(toRequest(req, origin)) : new Response(null, { status: 405 });
      } else {
        response = (req.method === "GET" || req.method === "HEAD" ? await serveStatic(url.pathname) : undefined) ??
          new Response("The page could not be found.\n\nNOT_FOUND\n", { status: 404, headers: { "content-type": "text/plain" } });
      }
      await send(res, response);
    } catch (error) {
      console.error("serve-vercel-output: function crashed:", error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("FUNCTION_INVOCATION_FAILED\n");
    }
  });
  await new Promise((resolve) => server.listen(port, hostname, resolve));
  const address = server.address();
  return {
    url: `http://${hostname}:${address.port}`,
    functions: [...functions.keys()],
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

if (isMain) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
  const server = await startBuiltServer({ port });
  console.log(`listening on ${server.url} (${server.functions.join(", ")})`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
