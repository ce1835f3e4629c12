// A cron's schedule and time zone, checked here before LangGraph is called: a typo is a 400 that names
// the field, on a Platform deployment and on the local server alike (which has no crons at all, and
// would otherwise hide the mistake behind "crons need a Platform deployment").
//
// The syntax is what LangGraph Platform schedules with (croniter): five fields
// `minute hour day-of-month month day-of-week`, an optional sixth for seconds, or a macro such as
// `@daily`. Each field is `*` (or `?` in the day fields), a number or name, a range `a-b`, a step `/n`,
// or a list of those; the day fields also take `L` (last day of the month; `L5`, the last Friday —
// croniter's order, `5L` it refuses) and `5#2` (the second Friday). A day of the month no listed month
// has (`0 0 31 2 *`) is refused too: croniter cannot find its next run. Anything this accepts, croniter
// accepts; what it refuses, LangGraph would.
import * as z from "zod";
import { badRequest } from "../shared/errors.js";

interface Field {
  name: string;
  min: number;
  max: number;
  /** Names allowed in place of numbers (index + offset is the value). */
  names?: readonly string[];
  namesFrom?: number;
  /** The day fields: `?`, and `L` (last) forms. */
  day?: "month" | "week";
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] as const;
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

const FIELDS: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31, day: "month" },
  { name: "month", min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  // 7 is Sunday too, as in most crons.
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS, namesFrom: 0, day: "week" },
];
const SECONDS: Field = { name: "second", min: 0, max: 59 };

export const SCHEDULE_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"] as const;

/** A number or a name of the field, or undefined. */
function valueOf(text: string, field: Field): number | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const value = Number(text);
    return value >= field.min && value <= field.max ? value : undefined;
  }
  const index = field.names?.indexOf(text.toLowerCase() as never) ?? -1;
  return index >= 0 ? index + (field.namesFrom ?? 0) : undefined;
}

/** Why one comma-separated part of a field is wrong, or undefined when it is fine. */
function partProblem(part: string, field: Field): string | undefined {
  const range = `${field.min}-${field.max}`;
  if (field.day === "month" && (part === "L" || part === "l")) return undefined;
  if (field.day === "week") {
    const nth = /^(\w+)#([1-5])$/.exec(part);
    if (nth !== null) return valueOf(nth[1] ?? "", field) === undefined ? `the ${field.name} must be ${range} or a day name` : undefined;
    // croniter's last weekday is `L` then a digit: `L5`, never `5L` or `Lfri`.
    if (/^L[0-6]$/i.test(part)) return undefined;
    if (/^\w+L$/i.test(part)) return `the last weekday is written L then the day, e.g. "L5" for the last Friday ("${part.slice(0, 20)}" is not)`;
  }
  const [base = "", step, extra] = part.split("/");
  if (extra !== undefined) return `"${part}" has more than one step`;
  if (step !== undefined && !/^[1-9]\d{0,2}$/.test(step)) return `the step of "${part}" must be a whole number from 1`;
  if (base === "*" || (base === "?" && field.day !== undefined)) return undefined;
  const [from = "", to] = base.split("-");
  const start = valueOf(from, field);
  if (start === undefined) return `the ${field.name} must be ${range}${field.names === undefined ? "" : " or a name"} ("${part}" is not)`;
  if (to === undefined) return undefined;
  const end = valueOf(to, field);
  if (end === undefined) return `the ${field.name} must be ${range}${field.names === undefined ? "" : " or a name"} ("${part}" is not)`;
  return undefined;
}

/** The longest each month can be (February in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** The values a field's list stands for, or undefined when it holds anything but numbers, names, ranges and steps. */
function expand(value: string, field: Field): Set<number> | undefined {
  const values = new Set<number>();
  for (const part of value.split(",")) {
    const [base = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    const [fromText = "", toText] = base.split("-");
    const from = base === "*" ? field.min : valueOf(fromText, field);
    const to = base === "*" ? field.max : toText === undefined ? (stepText === undefined ? from : field.max) : valueOf(toText, field);
    if (from === undefined || to === undefined || from > to) return undefined;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/**
 * Why a schedule never runs, or undefined: a day of the month no listed month has (31 in February, or
 * in April and June only). Only when the day of the week is `*`: otherwise croniter runs on either.
 */
function impossibleDate(dayOfMonth: string, month: string, dayOfWeek: string): string | undefined {
  if (dayOfWeek !== "*" && dayOfWeek !== "?") return undefined;
  const [days, months] = [expand(dayOfMonth, FIELDS[2] as Field), expand(month, FIELDS[3] as Field)];
  if (days === undefined || months === undefined || days.size === 0 || months.size === 0) return undefined;
  const first = Math.min(...days);
  const longest = Math.max(...[...months].map((m) => MONTH_DAYS[m - 1] ?? 31));
  if (first <= longest) return undefined;
  return `it never runs: no month it names has a day ${first} (the longest has ${longest} days)`;
}

/** Why a schedule is not one LangGraph accepts, or undefined when it is. */
export function scheduleProblem(schedule: string): string | undefined {
  const text = schedule.trim();
  if (text.startsWith("@")) {
    return (SCHEDULE_MACROS as readonly string[]).includes(text.toLowerCase()) ? undefined : `"${text.slice(0, 20)}" is not one of ${SCHEDULE_MACROS.join(", ")}`;
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    return `has ${parts.length} field${parts.length === 1 ? "" : "s"}; a cron expression has five: minute hour day-of-month month day-of-week (e.g. "0 9 * * 1")`;
  }
  const fields = parts.length === 6 ? [...FIELDS, SECONDS] : FIELDS;
  for (const [index, value] of parts.entries()) {
    const field = fields[index] as Field;
    for (const part of value.split(",")) {
      const problem = part === "" ? `the ${field.name} has an empty list item` : partProblem(part, field);
      if (problem !== undefined) return problem;
    }
  }
  return impossibleDate(parts[2] ?? "*", parts[3] ?? "*", parts[4] ?? "*");
}

/** The name this runtime's ICU gives a time zone (its own spelling), or undefined when it knows none. */
function canonicalTimeZone(value: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Why a time zone is not one LangGraph's zoneinfo would load, or undefined. ICU reads names in any case
 * ("europe/paris") and knows a few tzdata dropped (SystemV/…); zoneinfo reads file names, exact case.
 * So a name must be ICU's own spelling, or an alias of it (Asia/Kolkata for ICU's Asia/Calcutta) written
 * as tzdata writes names: each part starting with a capital. A wrong case of ICU's name is answered
 * with the right one.
 */
export function timeZoneProblem(value: string): string | undefined {
  const canonical = canonicalTimeZone(value);
  if (canonical === undefined || value.startsWith("SystemV/")) return "must be an IANA time zone such as Europe/Paris";
  if (canonical === value) return undefined;
  if (canonical.toLowerCase() === value.toLowerCase()) return `must be spelt exactly as in the tz database: ${canonical}`;
  if (!value.split("/").every((part) => /^[A-Z]/.test(part))) return `must be spelt exactly as in the tz database, e.g. ${canonical}`;
  return undefined;
}

/** True for an IANA time zone LangGraph's zoneinfo knows by that exact name. */
export function isTimeZone(value: string): boolean {
  return timeZoneProblem(value) === undefined;
}

/** Refuses an end time already past by the runtime's clock: the cron would never run (400 `invalid_body`). */
export function assertEndTimeAhead(endTime: string | null | undefined, now: number, what: string): void {
  if (endTime === undefined || endTime === null) return;
  if (Date.parse(endTime) <= now) {
    throw badRequest("invalid_body", `Invalid ${what}: end_time: is in the past (${new Date(now).toISOString()} now); a cron that ends before it starts never runs.`);
  }
}

/** A cron expression, checked; the message says what is wrong with it. */
export const scheduleSchema = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .superRefine((schedule, ctx) => {
    const problem = scheduleProblem(schedule);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: `is not a cron expression: ${problem}` });
  })
  .meta({
    description:
      'A cron expression: "minute hour day-of-month month day-of-week" (an optional sixth field for seconds), or @hourly, @daily, @weekly, @monthly, @yearly. Interpreted in `timezone`, UTC by default.',
    examples: ["0 9 * * 1", "*/15 * * * *", "@daily"],
  });

export const timezoneSchema = z
  .string()
  .superRefine((timezone, ctx) => {
    const problem = timeZoneProblem(timezone);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({ description: "The IANA time zone the schedule is read in.", examples: ["Europe/Paris", "America/New_York"] });

/** When a cron stops: an ISO 8601 time with its offset. */
export const endTimeSchema = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 time with an offset, e.g. 2030-01-31T18:00:00Z" })
  .meta({ description: "When the cron stops scheduling runs (ISO 8601, with an offset).", examples: ["2030-01-31T18:00:00Z"] });
