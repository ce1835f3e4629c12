// /api/crons: list, read, change, pause/resume and delete the crons this relay created. See
// lib/handlers/crons.ts.
import { handleCronsDelete, handleCronsGet, handleCronsPatch, handleCronsPost } from "../lib/handlers/crons.js";
import { route } from "../lib/http/methods.js";
import { presentsApiCredential } from "../lib/handlers/quiet-errors.js";
import { getRuntime } from "../lib/runtime/runtime.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  {
    GET: (request) => handleCronsGet(request, getRuntime()),
    POST: (request) => handleCronsPost(request, getRuntime()),
    PATCH: (request) => handleCronsPatch(request, getRuntime()),
    DELETE: (request) => handleCronsDelete(request, getRuntime()),
  },
  () => getRuntime().log,
  { authenticated: presentsApiCredential },
);
