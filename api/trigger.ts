// POST /api/trigger — starts LangGraph runs and crons with this deployment's webhook.
// See lib/trigger-endpoint.ts (HTTP) and lib/trigger.ts (runs); this file only adapts them to Vercel.
import { route } from "../lib/http.js";
import { getRuntime } from "../lib/runtime.js";
import { handleTrigger } from "../lib/trigger-endpoint.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  { POST: (request) => handleTrigger(request, getRuntime()) },
  () => getRuntime().log,
);
