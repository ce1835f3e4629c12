// POST /api/webhook — receives the callback LangGraph sends when a run ends.
// See lib/handlers/webhook.ts for what happens; this file only adapts it to Vercel.
import { route } from "../lib/http/methods.js";
import { presentsWebhookCredential } from "../lib/handlers/quiet-errors.js";
import { getRuntime } from "../lib/runtime/runtime.js";
import { handleWebhook } from "../lib/handlers/webhook.js";

// routes.ts (and the routing engine behind it) is loaded once a callback is recorded, after the answer:
// a cold start answers LangGraph without it.
let routes: Promise<(typeof import("../routes.js"))["router"]> | undefined;
const loadRoutes = () => (routes ??= import("../routes.js").then((module) => module.router));

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  { POST: (request) => handleWebhook(request, getRuntime(), loadRoutes) },
  () => getRuntime().log,
  { authenticated: presentsWebhookCredential },
);
