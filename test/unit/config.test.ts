// lib/config/env.ts: the environment is checked once, with messages that name the variable and never
// repeat a secret.
import { describe, expect, it } from "vitest";
import { loadAuthSettings, loadConfig, MIN_TOKEN_LENGTH } from "../../lib/config/env.js";
import { RelayError } from "../../lib/shared/errors.js";

const long = (label: string) => `${label}-${"x".repeat(MIN_TOKEN_LENGTH)}`;

function configError(env: Record<string, string>): RelayError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof RelayError) return error;
    throw error;
  }
  throw new Error("expected a configuration error");
}

describe("token lengths", () => {
  it.each(["TRIGGER_TOKEN", "INSPECTOR_TOKEN", "WEBHOOK_TOKEN"])("refuses a %s shorter than the minimum, naming it and not its value", (name) => {
    const error = configError({ [name]: `${long("ok")},short-secret-value` });
    expect(error.code).toBe("not_configured");
    expect(error.message).toContain(name);
    expect(error.message).toContain(`at least ${MIN_TOKEN_LENGTH} characters`);
    expect(error.message).not.toContain("short-secret-value");
  });

  it("refuses a CRON_SECRET shorter than the minimum, naming it and not its value; a blank one leaves TRIGGER_TOKEN alone", () => {
    const error = configError({ TRIGGER_TOKEN: long("t"), CRON_SECRET: "short-cron-value" });
    expect(error.code).toBe("not_configured");
    expect(error.message).toContain("CRON_SECRET");
    expect(error.message).toContain(`at least ${MIN_TOKEN_LENGTH} characters`);
    expect(error.message).not.toContain("short-cron-value");
    expect(loadConfig({ TRIGGER_TOKEN: long("t"), CRON_SECRET: long("c") }).cronSecrets).toEqual([long("c")]);
    expect(loadConfig({ TRIGGER_TOKEN: long("t"), CRON_SECRET: " " }).cronSecrets).toEqual([]);
  });

  it("accepts tokens of the minimum length, several for rotation", () => {
    const config = loadConfig({ TRIGGER_TOKEN: `${long("a")}, ${long("b")}`, WEBHOOK_TOKEN: "y".repeat(MIN_TOKEN_LENGTH) });
    expect(config.triggerTokens).toHaveLength(2);
    expect(config.webhookTokens).toEqual(["y".repeat(MIN_TOKEN_LENGTH)]);
  });

  it("still reads the credentials alone when the rest is invalid, so that errors go to authenticated callers only", () => {
    const settings = loadAuthSettings({ TRIGGER_TOKEN: long("t"), REDIS_URL: "http://not-redis" });
    expect(settings.triggerTokens).toEqual([long("t")]);
  });
});

describe("deployment environment", () => {
  it("is VERCEL_ENV, or production for a self-hosted relay", () => {
    expect(loadConfig({ VERCEL_ENV: "preview" }).deploymentEnvironment).toBe("preview");
    expect(loadConfig({}).deploymentEnvironment).toBe("production");
  });
});
