// The dev server's log: one readable, coloured line per event in a terminal, the production JSON
// lines otherwise (piped to a file, `jq`, a test). LOG_FORMAT=pretty|json overrides the guess.
//
//   12:04:31 WARN  request refused  401 unauthorized  POST /api/webhook  run_id=…  Missing or invalid…
//
// Fields are printed as the production line carries them (ids, states, timings): nothing is added, so
// nothing the JSON line would not show (a token, a body) can appear here either.
import type { LogFields, Logger } from "../lib/shared/log.js";
import { jsonLogger } from "../lib/shared/log.js";

const COLOURS = { info: "\u001b[36m", warn: "\u001b[33m", error: "\u001b[31m" } as const;
const DIM = "\u001b[2m";
const BOLD = "\u001b[1m";
const RESET = "\u001b[0m";
/** Fields printed first, in this order, without their names (the request line's shape). */
const LEADING = ["status", "code", "method", "path"] as const;

function show(value: unknown): string {
  if (typeof value === "string") return /\s/.test(value) || value === "" ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** One line per event: time, level, message, then `status code METHOD path`, then key=value pairs. */
export function prettyLogger(write: (line: string) => void = (line) => console.log(line), colour = true): Logger {
  const paint = (code: string, text: string) => (colour ? `${code}${text}${RESET}` : text);
  const emit = (level: keyof typeof COLOURS, message: string, fields: LogFields = {}) => {
    const time = new Date().toISOString().slice(11, 19);
    // `status` leads unnamed only as an HTTP status (a number); a run's status ("error") keeps its name.
    const leads = (key: string) => (LEADING as readonly string[]).includes(key) && (key !== "status" || typeof fields[key] === "number");
    const leading = LEADING.filter((key) => fields[key] !== undefined && leads(key)).map((key) => show(fields[key]));
    const { error, ...rest } = fields;
    const pairs = Object.entries(rest)
      .filter(([key, value]) => value !== undefined && !leads(key))
      .map(([key, value]) => `${paint(DIM, `${key}=`)}${show(value)}`);
    const parts = [
      paint(DIM, time),
      paint(COLOURS[level], level.toUpperCase().padEnd(5)),
      paint(BOLD, message),
      ...(leading.length > 0 ? [paint(COLOURS[level], leading.join(" "))] : []),
      ...pairs,
      ...(error === undefined ? [] : [paint(COLOURS[level], `— ${typeof error === "string" ? error : show(error)}`)]),
    ];
    write(parts.join("  "));
  };
  return {
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
  };
}

/**
 * The dev server's logger: pretty when LOG_FORMAT=pretty, or when stdout is a terminal and LOG_FORMAT
 * is not `json`; colours unless NO_COLOR is set.
 */
export function devLogger(env: Readonly<Record<string, string | undefined>> = process.env): Logger {
  const format = (env["LOG_FORMAT"] ?? "").trim().toLowerCase();
  const pretty = format === "pretty" || (format !== "json" && process.stdout.isTTY === true);
  return pretty ? prettyLogger((line) => console.log(line), (env["NO_COLOR"] ?? "") === "") : jsonLogger();
}
