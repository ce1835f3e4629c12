// The api/ functions served over HTTP in a process of their own (run with tsx), configured from the
// environment like a deployment: for tests that kill the serving process (SIGKILL) and start it again.
// Prints `listening <url>` once it accepts requests. Loopback only.
import { serve } from "@hono/node-server";
import { appHandler, loadFunctions } from "../../dev/serve-functions.js";

const port = Number(process.env["PORT"] ?? 0);
const app = appHandler(await loadFunctions());
const server = serve({ fetch: app, port, hostname: "127.0.0.1" }, (info) => {
  console.log(`listening http://127.0.0.1:${info.port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
