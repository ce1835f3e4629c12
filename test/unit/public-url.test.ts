// lib/config/public-url.ts: which base URL the webhook of a run points at, and what the URL carries.
// Nothing in a request chooses it: no origin, no Host header is ever an input.
import { describe, expect, it } from "vitest";
import { appendsBypass, hasPublicUrl, publicBaseUrl, type PublicUrlConfig, webhookUrl } from "../../lib/config/public-url.js";
import { RelayError } from "../../lib/shared/errors.js";

const none: PublicUrlConfig = {
  publicUrl: undefined,
  vercelEnv: undefined,
  vercelUrl: undefined,
  vercelProductionUrl: undefined,
  bypassSecret: undefined,
  bypassEverywhere: false,
};
const relay = { ...none, publicUrl: "https://relay.example.com" };

describe("publicBaseUrl", () => {
  it("uses PUBLIC_URL before anything else", () => {
    const config = { ...none, publicUrl: "https://relay.example.com", vercelEnv: "production", vercelProductionUrl: "p.vercel.app", vercelUrl: "d.vercel.app" };
    expect(publicBaseUrl(config)).toBe("https://relay.example.com");
  });

  it("uses the production domain on a production deployment", () => {
    const config = { ...none, vercelEnv: "production", vercelProductionUrl: "relay.vercel.app", vercelUrl: "relay-abc123.vercel.app" };
    expect(publicBaseUrl(config)).toBe("https://relay.vercel.app");
  });

  it("uses the deployment's own URL on previews, even when a production domain is known", () => {
    const config = { ...none, vercelEnv: "preview", vercelProductionUrl: "relay.vercel.app", vercelUrl: "relay-git-x.vercel.app" };
    expect(publicBaseUrl(config)).toBe("https://relay-git-x.vercel.app");
  });

  it("falls back to VERCEL_URL on production when no production domain is set", () => {
    expect(publicBaseUrl({ ...none, vercelEnv: "production", vercelUrl: "d.vercel.app" })).toBe("https://d.vercel.app");
  });

  it("is a configuration error when nothing is configured: never the request's Host", () => {
    expect(hasPublicUrl(none)).toBe(false);
    let error: unknown;
    try {
      publicBaseUrl(none);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).code).toBe("not_configured");
    expect((error as RelayError).message).toMatch(/PUBLIC_URL/);
  });

  it("drops trailing slashes and keeps a path prefix", () => {
    expect(publicBaseUrl({ ...none, publicUrl: "https://example.com/relay/" })).toBe("https://example.com/relay");
  });
});

describe("webhookUrl", () => {
  it("points at /api/webhook with the token as ?token=", () => {
    const url = new URL(webhookUrl(relay, "v1.abc.def"));
    expect(`${url.origin}${url.pathname}`).toBe("https://relay.example.com/api/webhook");
    expect(url.searchParams.get("token")).toBe("v1.abc.def");
    expect([...url.searchParams.keys()]).toEqual(["token"]);
  });

  it("appends x-vercel-protection-bypass on preview deployments, where Deployment Protection applies", () => {
    const url = new URL(webhookUrl({ ...none, vercelEnv: "preview", vercelUrl: "p.vercel.app", bypassSecret: "byp ass&=" }, "tok"));
    expect(url.searchParams.get("x-vercel-protection-bypass")).toBe("byp ass&=");
    expect(url.searchParams.get("token")).toBe("tok");
  });

  it("keeps the project-wide bypass secret out of production webhooks unless asked", () => {
    const production = { ...none, vercelEnv: "production", vercelProductionUrl: "relay.vercel.app", bypassSecret: "s3cret-bypass" };
    expect(appendsBypass(production)).toBe(false);
    expect(webhookUrl(production, "tok")).not.toContain("s3cret-bypass");
    expect(webhookUrl({ ...relay, bypassSecret: "s3cret-bypass" }, "tok")).not.toContain("s3cret-bypass");
    const everywhere = { ...production, bypassEverywhere: true };
    expect(new URL(webhookUrl(everywhere, "tok")).searchParams.get("x-vercel-protection-bypass")).toBe("s3cret-bypass");
  });

  it("keeps a PUBLIC_URL path prefix and drops its query", () => {
    const url = new URL(webhookUrl({ ...none, publicUrl: "https://example.com/relay/?x=1" }, "tok"));
    expect(url.pathname).toBe("/relay/api/webhook");
    expect(url.searchParams.get("x")).toBeNull();
  });

  it("puts the token only in the query, encoded", () => {
    const token = "v1.a+b/c=.d";
    const url = webhookUrl(relay, token);
    expect(url.startsWith("https://relay.example.com/api/webhook?token=")).toBe(true);
    expect(new URL(url).searchParams.get("token")).toBe(token);
    expect(publicBaseUrl(relay)).not.toContain(token);
  });
});
