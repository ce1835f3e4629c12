// GET /api/openapi.json (vercel.json rewrites it here; /api/openapi answers too): the OpenAPI document.
// See lib/handlers/openapi.ts.
import { handleOpenApi } from "../lib/handlers/openapi.js";
import { route } from "../lib/http/methods.js";
import { getRuntime } from "../lib/runtime/runtime.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  { GET: async (request) => handleOpenApi(request, getRuntime()) },
  () => getRuntime().log,
);
