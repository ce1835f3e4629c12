// POST /api/trigger — starts LangGraph runs and crons with this deployment's webhook.
// See lib/handlers/trigger.ts (HTTP) and lib/trigger/ (runs); this file only adapts them to Vercel.
import { route } from "../lib/http/methods.js";
import { presentsApiCredential } from "../lib/handlers/quiet-errors.js";
import { getRuntime } from "../lib/runtime/runtime.js";
import { handleTrigger } from "../lib/handlers/trigger.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  { POST: (request) => handleTrigger(request, getRuntime()) },
  () => getRuntime().log,
  { authenticated: presentsApiCredential },
);
