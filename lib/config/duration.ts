// Durations as operators write them in the environment: a whole number and a unit — `ms`, `s`, `m`,
// `h`, `d` (`500ms`, `15m`, `2h`, `1d`). One parser for every such variable (RECONCILE_AFTER,
// RETRY_SCHEDULE's steps), so that they all read the same way and fail with the same message.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(\d{1,9})\s*(ms|s|m|h|d)$/;

/** What a duration must look like, for messages. */
export const DURATION_HINT = "a whole number and a unit: ms, s, m, h or d (e.g. 500ms, 30s, 15m, 2h, 1d)";

/** Milliseconds of a duration such as `15m`, or undefined when it is not one (case-insensitive, blanks trimmed). */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim().toLowerCase());
  if (match === null) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A duration for humans and logs: the largest unit that divides it (`900000` → `15m`). */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
