// GET /api/deliveries lists recorded deliveries (or one with ?id=…); POST ?id=…&replay=1 replays what
// failed. See lib/handlers/deliveries.ts; this file only adapts it to Vercel.
import { handleDeliveriesGet, handleDeliveriesPost } from "../lib/handlers/deliveries.js";
import { route } from "../lib/http/methods.js";
import { presentsApiCredential } from "../lib/handlers/quiet-errors.js";
import { getRuntime } from "../lib/runtime/runtime.js";
import { router } from "../routes.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  {
    GET: (request) => handleDeliveriesGet(request, getRuntime()),
    POST: (request) => handleDeliveriesPost(request, getRuntime(), router),
  },
  () => getRuntime().log,
  { authenticated: presentsApiCredential },
);
