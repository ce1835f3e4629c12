// POST /api/resume?token=… — resume a paused run with the one-time link of a forwarded run.paused.
// See lib/handlers/resume.ts; this file only adapts it to Vercel.
import { route } from "../lib/http/methods.js";
import { getRuntime } from "../lib/runtime/runtime.js";
import { handleResume } from "../lib/handlers/resume.js";
import { router } from "../routes.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  { POST: (request) => handleResume(request, getRuntime(), router) },
  () => getRuntime().log,
  { authenticated: () => false },
);
