// lib/config/public-url.ts: which base URL the webhook of a run points at, and what the URL carries.
import { describe, expect, it } from "vitest";
import { publicBaseUrl, type PublicUrlConfig, webhookUrl } from "../../lib/config/public-url.js";

const none: PublicUrlConfig = {
  publicUrl: undefined,
  vercelEnv: undefined,
  vercelUrl: undefined,
  vercelProductionUrl: undefined,
  bypassSecret: undefined,
};
const ORIGIN = "http://127.0.0.1:3000";

describe("publicBaseUrl", () => {
  it("uses PUBLIC_URL before anything else", () => {
    const config = { ...none, publicUrl: "https://relay.example.com", vercelEnv: "production", vercelProductionUrl: "p.vercel.app", vercelUrl: "d.vercel.app" };
    expect(publicBaseUrl(config, ORIGIN)).toBe("https://relay.example.com");
  });

  it("uses the production domain on a production deployment", () => {
    const config = { ...none, vercelEnv: "production", vercelProductionUrl: "relay.vercel.app", vercelUrl: "relay-abc123.vercel.app" };
    expect(publicBaseUrl(config, ORIGIN)).toBe("https://relay.vercel.app");
  });

  it("uses the deployment's own URL on previews, even when a production domain is known", () => {
    const config = { ...none, vercelEnv: "preview", vercelProductionUrl: "relay.vercel.app", vercelUrl: "relay-git-x.vercel.app" };
    expect(publicBaseUrl(config, ORIGIN)).toBe("https://relay-git-x.vercel.app");
  });

  it("falls back to VERCEL_URL on production when no production domain is set", () => {
    expect(publicBaseUrl({ ...none, vercelEnv: "production", vercelUrl: "d.vercel.app" }, ORIGIN)).toBe("https://d.vercel.app");
  });

  it("falls back to the request's origin", () => {
    expect(publicBaseUrl(none, ORIGIN)).toBe(ORIGIN);
  });

  it("drops trailing slashes and keeps a path prefix", () => {
    expect(publicBaseUrl({ ...none, publicUrl: "https://example.com/relay/" }, ORIGIN)).toBe("https://example.com/relay");
  });
});

describe("webhookUrl", () => {
  it("points at /api/webhook with the token as ?token=", () => {
    const url = new URL(webhookUrl({ ...none, publicUrl: "https://relay.example.com" }, ORIGIN, "v1.abc.def"));
    expect(`${url.origin}${url.pathname}`).toBe("https://relay.example.com/api/webhook");
    expect(url.searchParams.get("token")).toBe("v1.abc.def");
    expect([...url.searchParams.keys()]).toEqual(["token"]);
  });

  it("appends x-vercel-protection-bypass when the bypass secret is set", () => {
    const url = new URL(webhookUrl({ ...none, vercelUrl: "p.vercel.app", bypassSecret: "byp ass&=" }, ORIGIN, "tok"));
    expect(url.searchParams.get("x-vercel-protection-bypass")).toBe("byp ass&=");
    expect(url.searchParams.get("token")).toBe("tok");
  });

  it("keeps a PUBLIC_URL path prefix and drops its query", () => {
    const url = new URL(webhookUrl({ ...none, publicUrl: "https://example.com/relay/?x=1" }, ORIGIN, "tok"));
    expect(url.pathname).toBe("/relay/api/webhook");
    expect(url.searchParams.get("x")).toBeNull();
  });

  it("puts the token only in the query, encoded", () => {
    const token = "v1.a+b/c=.d";
    const url = webhookUrl(none, ORIGIN, token);
    expect(url.startsWith(`${ORIGIN}/api/webhook?token=`)).toBe(true);
    expect(new URL(url).searchParams.get("token")).toBe(token);
    expect(publicBaseUrl(none, ORIGIN)).not.toContain(token);
  });
});
