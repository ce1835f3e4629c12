// GET /api/crons lists crons; DELETE /api/crons?cron_id=… deletes one. See lib/handlers/crons.ts.
import { deleteCron, listCrons } from "../lib/handlers/crons.js";
import { route } from "../lib/http/methods.js";
import { presentsApiCredential } from "../lib/handlers/quiet-errors.js";
import { getRuntime } from "../lib/runtime/runtime.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  {
    GET: (request) => listCrons(request, getRuntime()),
    DELETE: (request) => deleteCron(request, getRuntime()),
  },
  () => getRuntime().log,
  { authenticated: presentsApiCredential },
);
