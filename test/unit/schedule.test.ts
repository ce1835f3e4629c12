// Schedules and time zones are checked before LangGraph is called: what croniter (LangGraph Platform's
// scheduler) accepts passes, the rest is refused with a message that says which field is wrong.
import { describe, expect, it } from "vitest";
import { assertEndTimeAhead, isTimeZone, scheduleProblem, scheduleSchema, timeZoneProblem } from "../../lib/trigger/schedule.js";

describe("scheduleProblem", () => {
  it.each([
    "* * * * *",
    "0 9 * * 1",
    "*/15 * * * *",
    "0 9-17/2 * * mon-fri",
    "30 8 1,15 * *",
    "0 0 L * *",
    "0 12 ? JAN,jul SUN",
    "0 9 * * 5#2",
    "0 9 * * L5",
    "0 9 * * l0",
    "0 0 29 2 *",
    "0 0 31 1,2 *",
    "0 0 31 2 1",
    "0 0 L 2 *",
    "0 0 1 */3 *",
    "0 0 * * 7",
    "  0   9 * * 1  ",
    "0 9 * * 1 30",
    "@daily",
    "@HOURLY",
    "@annually",
  ])("accepts %j", (schedule) => {
    expect(scheduleProblem(schedule)).toBeUndefined();
  });

  it.each([
    ["every day", /has 2 fields/],
    ["0 9 * *", /has 4 fields/],
    ["0 9 * * 1 0 2030", /has 7 fields/],
    ["60 * * * *", /minute must be 0-59/],
    ["0 24 * * *", /hour must be 0-23/],
    ["0 0 0 * *", /day of month must be 1-31/],
    ["0 0 * 13 *", /month must be 1-12 or a name/],
    ["0 0 * * 8", /day of week must be 0-7/],
    ["0 0 * * funday", /day of week/],
    ["*/0 * * * *", /step .* must be a whole number from 1/],
    ["1/2/3 * * * *", /more than one step/],
    ["1,,2 * * * *", /empty list item/],
    ["? * * * *", /minute/],
    ["0 9 * * 1 60", /second must be 0-59/],
    ["@fortnightly", /is not one of @yearly/],
    ["0 9 * * 5L", /L then the day, e\.g\. "L5"/],
    ["0 9 * * Lfri", /day of week/],
    ["0 0 31 2 *", /never runs: no month it names has a day 31/],
    ["0 0 30 2 *", /never runs: no month it names has a day 30/],
    ["0 0 30,31 feb ?", /never runs/],
    ["0 0 31 4,6 *", /never runs: .* day 31 \(the longest has 30 days\)/],
    ["0 0 31 4-6/2 *", /never runs/],
  ])("refuses %j", (schedule, message) => {
    expect(scheduleProblem(schedule)).toMatch(message);
  });

  it("is what the schema checks, with the field's message", () => {
    expect(scheduleSchema.safeParse("0 9 * * 1").success).toBe(true);
    const result = scheduleSchema.safeParse("0 25 * * *");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("is not a cron expression: the hour must be 0-23 (\"25\" is not)");
  });
});

describe("isTimeZone", () => {
  it("knows IANA names and refuses others", () => {
    for (const zone of ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]) expect(isTimeZone(zone)).toBe(true);
    for (const zone of ["Mars/Olympus_Mons", "Paris", ""]) expect(isTimeZone(zone)).toBe(false);
  });

  it("takes names only as zoneinfo spells them: exact case, aliases, none that tzdata dropped", () => {
    for (const zone of ["Etc/UTC", "Europe/Kyiv", "US/Eastern", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "America/Port-au-Prince"]) {
      expect(timeZoneProblem(zone)).toBeUndefined();
    }
    expect(timeZoneProblem("utc")).toBe("must be spelt exactly as in the tz database: UTC");
    expect(timeZoneProblem("europe/paris")).toBe("must be spelt exactly as in the tz database: Europe/Paris");
    expect(timeZoneProblem("EUROPE/PARIS")).toMatch(/Europe\/Paris/);
    expect(timeZoneProblem("asia/kolkata")).toMatch(/spelt exactly/);
    expect(timeZoneProblem("SystemV/EST5")).toMatch(/IANA time zone/);
  });
});

describe("assertEndTimeAhead", () => {
  const now = Date.parse("2030-01-01T00:00:00Z");
  it("refuses an end time at or before now with 400 invalid_body, and lets a later one or none pass", () => {
    expect(() => assertEndTimeAhead("2029-12-31T23:59:59Z", now, "cron update")).toThrow(/end_time: is in the past/);
    expect(() => assertEndTimeAhead("2030-01-01T01:00:00+02:00", now, "cron update")).toThrow(expect.objectContaining({ status: 400, code: "invalid_body" }));
    expect(() => assertEndTimeAhead("2030-01-01T00:00:01Z", now, "cron update")).not.toThrow();
    expect(() => assertEndTimeAhead(null, now, "cron update")).not.toThrow();
    expect(() => assertEndTimeAhead(undefined, now, "cron update")).not.toThrow();
  });
});
