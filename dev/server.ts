// `npm run dev`: the local stack with a banner that says what to paste next.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { redisAddress } from "../lib/shared/errors.js";
import { type DevStack, startDevStack } from "./stack.js";

const port = Number(process.env["PORT"] ?? 3000);
let stack: DevStack;
try {
  stack = await startDevStack({
    langgraphLog: process.env["LANGGRAPH_LOG"] === "1" ? (line) => console.log(`[langgraph] ${line}`) : undefined,
  });
} catch (error) {
  if ((error as { code?: unknown } | null)?.code === "EADDRINUSE") {
    console.error(
      `\nPort ${port} is already in use — is another \`npm run dev\` (or another server) running?\n` +
        `Stop it, or start this one on another port:  PORT=${port + 1} npm run dev\n`,
    );
    process.exit(1);
  }
  throw error;
}

const root = fileURLToPath(new URL("..", import.meta.url));
const shortName = (file: string) => (relative(root, file).startsWith("..") ? file : relative(root, file));
const fileName = stack.envFile === undefined ? undefined : shortName(stack.envFile);
const secretsLine = (): string => {
  const generated = stack.generated.join(" and ");
  if (stack.generated.length > 0 && fileName !== undefined) {
    return `${generated} generated and saved to ${fileName} (git-ignored): the same at every start`;
  }
  if (stack.generated.length > 0) return `${generated} generated for this session`;
  const from = stack.fromFile.filter((name) => name === "TRIGGER_TOKEN" || name === "WEBHOOK_SECRET");
  return from.length > 0 ? `${from.join(" and ")} from ${fileName}` : "TRIGGER_TOKEN and WEBHOOK_SECRET from your environment";
};
/** The example graphs, as dev/langgraph.json lists them for the embedded server. */
const graphs = Object.keys((JSON.parse(readFileSync(new URL("./langgraph.json", import.meta.url), "utf8")) as { graphs: Record<string, string> }).graphs);
const langgraphCheck = stack.checks.find((check) => check.service === "LangGraph");
const noCrons = langgraphCheck?.crons === false ? "; no crons: /api/crons and mode cron answer 501" : "";
const routesLine = stack.usingDevRoutes
  ? "routes.ts defines none, so the dev routes log every event (action dev-log; runs started with\n" +
    '                      "route": "notify" get action notify). They stop as soon as routes.ts has a route.'
  : "routes.ts";
const checksLines = stack.checks.map((check) => `${check.ok ? "ok    " : "FAILED"} ${check.service.padEnd(10)} ${check.detail}`);
const token = stack.env["TRIGGER_TOKEN"] as string;

const banner = [
  "",
  "langgraph-relay dev server",
  "",
  `  App and inspector   ${stack.url}/`,
  `  Functions           ${stack.functions.map((name) => `/api/${name}`).join("  ")}`,
  `  LangGraph           ${stack.langgraphUrl}${stack.embeddedLangGraph ? `  (embedded: assistants ${graphs.join(", ")}${noCrons})` : noCrons === "" ? "" : `  (${noCrons.slice(2)})`}`,
  `  Delivery store      ${stack.runtime.store.kind}${stack.runtime.config.redisUrl === undefined ? "  (kept across reloads; a restart empties it)" : `  ${redisAddress(stack.runtime.config.redisUrl)} (REDIS_URL)`}`,
  `  Routes              ${routesLine}`,
  `  Secrets             ${secretsLine()}`,
  ...(checksLines.length > 0 ? ["", "Start-up checks:", ...checksLines.map((line) => `  ${line}`)] : []),
  "",
  "Paste into your shell:",
  "",
  `  export RELAY=${stack.url}`,
  `  export TRIGGER_TOKEN=${token}`,
  "",
  "Start a run (its callback arrives at /api/webhook when it ends):",
  "",
  `  curl -sS ${stack.url}/api/trigger \\`,
  `    -H "authorization: Bearer $TRIGGER_TOKEN" -H 'content-type: application/json' \\`,
  `    -d '{"assistant_id": "agent", "mode": "wait", "input": {"messages": [{"role": "user", "content": "Hello!"}]}}'`,
  "",
  "See the callback arrive:",
  "",
  `  open ${stack.url}/ and paste the token, or`,
  `  curl -sS ${stack.url}/api/deliveries -H "authorization: Bearer $TRIGGER_TOKEN"`,
  "",
  ...stack.warnings.map((warning) => `WARNING: ${warning}\n`),
  "Saving routes.ts, api/ or lib/ reloads the functions; LangGraph, the tokens and the deliveries are kept.",
  "Ctrl-C stops everything.",
  "",
];
console.log(banner.join("\n"));

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  const force = setTimeout(() => process.exit(1), 5000);
  force.unref();
  void stack.stop().then(() => process.exit(0));
};
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
