// What the receiver runs after its answer — confirmation and routing, and the bounded drain of earlier
// due work — gathered in one module so that lib/handlers/webhook.ts loads it with one import(): each
// separate lazy import splits the code it shares with the function into more files, and a cold start
// pays for every file it loads (bench/README.md, "Webhook cold start").
export { verifyAndRoute } from "../verification/verify-delivery.js";
export { drainSoon, isSweepRouter } from "../sweep/drain.js";
