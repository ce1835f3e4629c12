// GET /api/crons lists crons; DELETE /api/crons?cron_id=… deletes one. See lib/crons.ts.
import { deleteCron, listCrons } from "../lib/crons.js";
import { route } from "../lib/http.js";
import { getRuntime } from "../lib/runtime.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route(
  {
    GET: (request) => listCrons(request, getRuntime()),
    DELETE: (request) => deleteCron(request, getRuntime()),
  },
  () => getRuntime().log,
);
