// GET|POST /api/sweep — Vercel Cron's target: runs due retries, stranded deliveries and the
// reconciliation of lost callbacks. See lib/handlers/sweep.ts; this file only adapts it to Vercel.
import { route } from "../lib/http/methods.js";
import { handleSweep, presentsSweepCredential } from "../lib/handlers/sweep.js";
import { getRuntime } from "../lib/runtime/runtime.js";
import { router } from "../routes.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  {
    GET: (request) => handleSweep(request, getRuntime(), router),
    POST: (request) => handleSweep(request, getRuntime(), router),
  },
  () => getRuntime().log,
  { authenticated: presentsSweepCredential },
);
