// Structured logging: one JSON object per line, so Vercel's log drains and `jq` can read it.
// Callers pass ids, states and timings — never tokens, secrets or payload bodies.

export type LogFields = Record<string, unknown>;

export interface Logger {
  /** Routine events nobody needs to see unless looking (LOG_LEVEL=debug); optional for older loggers. */
  debug?(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function jsonLogger(write: (line: string) => void = (line) => console.log(line)): Logger {
  const emit = (level: string, message: string, fields: LogFields = {}) => {
    write(JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields }));
  };
  const debug = (process.env["LOG_LEVEL"] ?? "").trim().toLowerCase() === "debug";
  return {
    debug: (message, fields) => {
      if (debug) emit("debug", message, fields);
    },
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
  };
}

/** Describes an unknown thrown value for a log line without dumping objects that may hold secrets. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === "string" ? error : "non-error value thrown";
}
