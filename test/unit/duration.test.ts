// lib/config/duration.ts and the variable that reads it first (RECONCILE_AFTER): durations with a unit,
// `off`, and a message naming the variable for anything else.
import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../lib/config/duration.js";
import { loadConfig } from "../../lib/config/env.js";
import { RelayError } from "../../lib/shared/errors.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["15m", 900_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    [" 10M ", 600_000],
    ["0s", 0],
  ])("reads %j as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "15", "m", "1.5h", "-1s", "1 week", "10mins", "1e3ms", "9999999999d"])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("formats with the largest unit that divides", () => {
    expect([900_000, 86_400_000, 1_500, 90_000, 5_000].map(formatDuration)).toEqual(["15m", "1d", "1500ms", "90s", "5s"]);
  });
});

describe("RECONCILE_AFTER", () => {
  it("defaults to 15 minutes, reads a duration, and `off` turns reconciliation off", () => {
    expect(loadConfig({}).reconcileAfterMs).toBe(900_000);
    expect(loadConfig({ RECONCILE_AFTER: "10m" }).reconcileAfterMs).toBe(600_000);
    expect(loadConfig({ RECONCILE_AFTER: "OFF" }).reconcileAfterMs).toBeUndefined();
    expect(loadConfig({ RECONCILE_AFTER: "" }).reconcileAfterMs).toBe(900_000);
  });

  it.each(["10", "soon", "500ms", "0s"])("refuses %j, naming the variable and the units", (value) => {
    let error: unknown;
    try {
      loadConfig({ RECONCILE_AFTER: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).message).toContain("RECONCILE_AFTER");
    expect((error as RelayError).message).toContain("ms, s, m, h or d");
  });
});
