// What happens when a run ends. Edit this file to route events to actions.
// (The router arrives with the routing issue; until then no route matches and deliveries are recorded.)
import { emptyRouter } from "./lib/routing.js";

export const router = emptyRouter;
