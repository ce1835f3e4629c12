// Child script: imports the webhook function, receives one callback, prints the answer, exits.
import { readFileSync } from "node:fs";
import * as webhook from "../../api/webhook.js";
import { getRuntime } from "../../lib/runtime/runtime.js";

const body = readFileSync(new URL("../fixtures/thread_runs_create.json", import.meta.url), "utf8");
const response = await webhook.POST(
  new Request("http://relay.test/api/webhook?token=static-token-for-tests-0123456789", { method: "POST", body }),
);
console.log(JSON.stringify({ status: response.status, body: await response.json() }));
await getRuntime().idle();
await getRuntime().store.close();
