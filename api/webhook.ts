// POST /api/webhook — receives the callback LangGraph sends when a run ends.
// See lib/webhook-receiver.ts for what happens; this file only adapts it to Vercel.
import { route } from "../lib/http.js";
import { getRuntime } from "../lib/runtime.js";
import { receiveWebhook } from "../lib/webhook-receiver.js";
import { router } from "../routes.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  { POST: (request) => receiveWebhook(request, getRuntime(), router) },
  () => getRuntime().log,
);
