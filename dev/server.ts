// `npm run dev`: the local stack with a banner that says what to paste next.
import { startDevStack } from "./stack.js";

const stack = await startDevStack({
  langgraphLog: process.env["LANGGRAPH_LOG"] === "1" ? (line) => console.log(`[langgraph] ${line}`) : undefined,
});

const token = stack.env["TRIGGER_TOKEN"] as string;
const generatedNote = (name: string) => (stack.generated.includes(name) ? "  (generated for this session)" : "");
const banner = [
  "",
  "langgraph-relay dev server",
  "",
  `  App and inspector   ${stack.url}/`,
  `  Functions           ${stack.functions.map((name) => `/api/${name}`).join("  ")}`,
  `  LangGraph           ${stack.langgraphUrl}${stack.embeddedLangGraph ? "  (embedded: assistants agent, error_graph, hitl)" : ""}`,
  `  Delivery store      ${stack.runtime.store.kind}`,
  "",
  `  TRIGGER_TOKEN=${token}${generatedNote("TRIGGER_TOKEN")}`,
  `  WEBHOOK_SECRET=${stack.generated.includes("WEBHOOK_SECRET") ? "(generated for this session; never leaves the server)" : "(from your environment)"}`,
  "",
  "Start a run (its callback arrives at /api/webhook when it ends):",
  "",
  `  curl -sS ${stack.url}/api/trigger \\`,
  `    -H 'authorization: Bearer ${token}' -H 'content-type: application/json' \\`,
  `    -d '{"assistant_id": "agent", "mode": "wait", "input": {"messages": [{"role": "user", "content": "Hello!"}]}}'`,
  "",
  "See the callback arrive:",
  "",
  `  open ${stack.url}/ and paste the token, or`,
  `  curl -sS ${stack.url}/api/deliveries -H 'authorization: Bearer ${token}'`,
  "",
  ...stack.warnings.map((warning) => `WARNING: ${warning}\n`),
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
