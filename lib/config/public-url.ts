// Where LangGraph should call back: this deployment's own /api/webhook. Pure, so the precedence rules
// are unit-tested rather than discovered on a preview deployment.
//
// Precedence: PUBLIC_URL, then the production domain on production deployments
// (VERCEL_PROJECT_PRODUCTION_URL — stable, unlike the per-deployment VERCEL_URL, so callbacks of runs
// that outlive a redeploy still land), then VERCEL_URL. Never the request: its Host header is the
// caller's to choose, and a relay that believed it would mint a valid token and hand LangGraph an
// attacker's address to send it to. With none of them set (self-hosted, a tunnel), starting a run is
// a configuration error; `npm run dev` sets PUBLIC_URL to its own loopback address.
import { notConfigured } from "../shared/errors.js";
import type { Config } from "./env.js";

export type PublicUrlConfig = Pick<
  Config,
  "publicUrl" | "vercelEnv" | "vercelUrl" | "vercelProductionUrl" | "bypassSecret" | "bypassEverywhere"
>;

/** Path of the receiver, relative to the public base URL. */
export const WEBHOOK_PATH = "/api/webhook";

/** Vercel's system variables hold a bare host (`my-app.vercel.app`); PUBLIC_URL a full URL. */
function withScheme(hostOrUrl: string): string {
  return /^https?:\/\//i.test(hostOrUrl) ? hostOrUrl : `https://${hostOrUrl}`;
}

function configuredBase(config: PublicUrlConfig): string | undefined {
  return (
    config.publicUrl ??
    (config.vercelEnv === "production" && config.vercelProductionUrl !== undefined
      ? withScheme(config.vercelProductionUrl)
      : undefined) ??
    (config.vercelUrl !== undefined ? withScheme(config.vercelUrl) : undefined)
  );
}

/** True when the deployment knows its own public address. */
export function hasPublicUrl(config: PublicUrlConfig): boolean {
  return configuredBase(config) !== undefined;
}

/** The deployment's public base URL, without a trailing slash (it may carry a path prefix). */
export function publicBaseUrl(config: PublicUrlConfig): string {
  const base = configuredBase(config);
  if (base === undefined) {
    throw notConfigured(
      "PUBLIC_URL is not set and this is not a Vercel deployment: the relay does not know the address LangGraph " +
        "should call back. Set PUBLIC_URL to this deployment's public https URL.",
    );
  }
  return base.replace(/\/+$/, "");
}

/**
 * Whether webhook URLs carry `x-vercel-protection-bypass`: only where Deployment Protection applies by
 * default (preview deployments), or everywhere when VERCEL_AUTOMATION_BYPASS_EVERYWHERE asks for it
 * (a project that protects production too). The secret is project-wide: appended where it is not
 * needed, it would sit in LangGraph's records of production runs for nothing.
 */
export function appendsBypass(config: PublicUrlConfig): boolean {
  return config.bypassSecret !== undefined && (config.vercelEnv === "preview" || config.bypassEverywhere);
}

/**
 * The webhook URL for one run or cron: `<base>/api/webhook?token=<token>`, plus
 * `x-vercel-protection-bypass` where Deployment Protection applies (see `appendsBypass`).
 * The result carries secrets: hand it to LangGraph only, never to a caller or a log.
 */
export function webhookUrl(config: PublicUrlConfig, token: string): string {
  const url = new URL(publicBaseUrl(config));
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${WEBHOOK_PATH}`;
  url.search = "";
  url.hash = "";
  url.searchParams.set("token", token);
  if (appendsBypass(config) && config.bypassSecret !== undefined) {
    url.searchParams.set("x-vercel-protection-bypass", config.bypassSecret);
  }
  return url.toString();
}
