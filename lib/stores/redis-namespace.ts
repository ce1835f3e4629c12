// The Redis key namespace of a deployment environment. A preview deployment often shares production's
// Redis (one REDIS_URL in the project): with the same keys it would list production's deliveries,
// dedupe against them (answering a genuine callback `duplicate: true`) and replay them. Production
// keeps the prefix of earlier versions, so that the records it stored still read.

/** Production's prefix, and the one outside Vercel (VERCEL_ENV unset): the prefix of earlier versions. */
export const PRODUCTION_PREFIX = "relay:";

/** `relay:` in production or outside Vercel, `relay:preview:` in preview, `relay:development:` under `vercel dev`. */
export function redisNamespace(vercelEnv: string | undefined): string {
  const environment = (vercelEnv ?? "").trim().toLowerCase();
  if (environment === "" || environment === "production") return PRODUCTION_PREFIX;
  // Another name (a custom environment) gets its own namespace too, reduced to characters safe in a key.
  return `${PRODUCTION_PREFIX}${environment.replace(/[^a-z0-9-]/g, "-").slice(0, 64)}:`;
}
