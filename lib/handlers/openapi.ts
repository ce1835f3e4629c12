// GET /api/openapi.json: the relay's OpenAPI 3.1 document (lib/openapi), without auth — it describes
// shapes and holds no secret, and tools (client generators, API explorers, an agent's tool loader)
// fetch it before they have a token. Cacheable and readable from any origin for the same reason.
import { hasPublicUrl, publicBaseUrl } from "../config/public-url.js";
import { json } from "../http/response.js";
import { openApiDocument } from "../openapi/document.js";
import type { Runtime } from "../runtime/runtime.js";

export function handleOpenApi(_request: Request, runtime: Pick<Runtime, "config">): Response {
  const serverUrl = hasPublicUrl(runtime.config) ? publicBaseUrl(runtime.config) : undefined;
  return json(200, openApiDocument({ serverUrl }), { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" });
}
