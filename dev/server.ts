// `npm run dev`: the local stack with a banner that says what to paste next.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { redisAddress, RelayError } from "../lib/shared/errors.js";
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
  // A configuration error (a TRIGGER_TOKEN too short, …): its sentence, not a stack trace.
  if (error instanceof RelayError) {
    const fromShell = ["TRIGGER_TOKEN", "WEBHOOK_SECRET", "REDIS_URL", "LANGGRAPH_API_URL"].filter(
      (name) => (process.env[name] ?? "").trim() !== "" && error.message.includes(name),
    );
    console.error(
      `\n${error.message}\n` +
        (fromShell.length > 0
          ? `${fromShell.join(" and ")} ${fromShell.length > 1 ? "are" : "is"} set in your shell, and a value set in the shell wins over .env.local: ` +
            `fix it, or unset it (unset ${fromShell.join(" ")}) to use the saved value.\n`
          : "Fix it in your shell or in .env.local (a value set in the shell wins over the file).\n"),
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
// The first token only (TRIGGER_TOKEN may list several, for rotation); a token from the shell is not
// echoed back: the shell already has it.
const tokens = (stack.env["TRIGGER_TOKEN"] ?? "").split(",").map((part) => part.trim()).filter((part) => part !== "");
const tokenFromShell = !stack.generated.includes("TRIGGER_TOKEN") && !stack.fromFile.includes("TRIGGER_TOKEN");
const tokenLines = tokenFromShell
  ? ["  # TRIGGER_TOKEN: (from your shell: $TRIGGER_TOKEN)"]
  : [
      `  export TRIGGER_TOKEN=${tokens[0] ?? ""}`,
      ...(tokens.length > 1 ? [`  # TRIGGER_TOKEN lists ${tokens.length} tokens: the first is shown, the others are also accepted`] : []),
    ];

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
  ...tokenLines,
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
