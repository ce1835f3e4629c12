// POST /api/webhook — receives the callback LangGraph sends when a run ends.
// See lib/handlers/webhook.ts for what happens; this file only adapts it to Vercel.
import { route } from "../lib/http/methods.js";
import { presentsWebhookCredential } from "../lib/handlers/quiet-errors.js";
import { getRuntime } from "../lib/runtime/runtime.js";
import { handleWebhook } from "../lib/handlers/webhook.js";
import { router } from "../routes.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  { POST: (request) => handleWebhook(request, getRuntime(), router) },
  () => getRuntime().log,
  { authenticated: presentsWebhookCredential },
);
