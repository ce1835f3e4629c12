// Where LangGraph should call back: this deployment's own /api/webhook. Pure, so the precedence rules
// are unit-tested rather than discovered on a preview deployment.
//
// Precedence: PUBLIC_URL, then the production domain on production deployments
// (VERCEL_PROJECT_PRODUCTION_URL — stable, unlike the per-deployment VERCEL_URL, so callbacks of runs
// that outlive a redeploy still land), then VERCEL_URL, then the origin of the request being served.
import type { Config } from "./env.js";

export type PublicUrlConfig = Pick<
  Config,
  "publicUrl" | "vercelEnv" | "vercelUrl" | "vercelProductionUrl" | "bypassSecret"
>;

/** Path of the receiver, relative to the public base URL. */
export const WEBHOOK_PATH = "/api/webhook";

/** Vercel's system variables hold a bare host (`my-app.vercel.app`); PUBLIC_URL a full URL. */
function withScheme(hostOrUrl: string): string {
  return /^https?:\/\//i.test(hostOrUrl) ? hostOrUrl : `https://${hostOrUrl}`;
}

/** The deployment's public base URL, without a trailing slash (it may carry a path prefix). */
export function publicBaseUrl(config: PublicUrlConfig, origin: string): string {
  const base =
    config.publicUrl ??
    (config.vercelEnv === "production" && config.vercelProductionUrl !== undefined
      ? withScheme(config.vercelProductionUrl)
      : undefined) ??
    (config.vercelUrl !== undefined ? withScheme(config.vercelUrl) : undefined) ??
    origin;
  return base.replace(/\/+$/, "");
}

/**
 * The webhook URL for one run or cron: `<base>/api/webhook?token=<token>`, plus
 * `x-vercel-protection-bypass` when VERCEL_AUTOMATION_BYPASS_SECRET is set, so that preview
 * deployments behind Deployment Protection still receive their callbacks.
 * The result carries secrets: hand it to LangGraph only, never to a caller or a log.
 */
export function webhookUrl(config: PublicUrlConfig, origin: string, token: string): string {
  const url = new URL(publicBaseUrl(config, origin));
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${WEBHOOK_PATH}`;
  url.search = "";
  url.hash = "";
  url.searchParams.set("token", token);
  if (config.bypassSecret !== undefined) url.searchParams.set("x-vercel-protection-bypass", config.bypassSecret);
  return url.toString();
}
