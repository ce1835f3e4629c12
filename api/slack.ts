// POST /api/slack — Slack's interactivity requests (Approve / Reject on run.paused messages).
// See lib/handlers/slack.ts; this file only adapts it to Vercel.
import { route } from "../lib/http/methods.js";
import { getRuntime } from "../lib/runtime/runtime.js";
import { handleSlack } from "../lib/handlers/slack.js";
import { router } from "../routes.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  { POST: (request) => handleSlack(request, getRuntime(), router) },
  () => getRuntime().log,
  // Slack presents no credential of ours: a configuration error is a 401 to every caller (and logged).
  { authenticated: () => false },
);
