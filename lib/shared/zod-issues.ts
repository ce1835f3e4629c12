// zod's issues as one line for a 400: where each problem is and what is wrong, never the value itself
// (it may be a secret someone pasted in the wrong field).
import type { z } from "zod";

// The core error: what zod's classic API and zod/mini (the configuration's and the payload's schemas) both throw.
type ZodError = z.core.$ZodError;
type Issue = ZodError["issues"][number];

function describe(error: ZodError, max: number, one: (issue: Issue) => string): string {
  return error.issues.slice(0, max).map(one).join("; ");
}

/** Names we did not define, as the caller sent them: cut short and quoted (they may be anything, of any length). */
const unknownNames = (keys: readonly string[]) => keys.map((key) => JSON.stringify(key.slice(0, 40))).join(", ");

/** Body and environment problems, e.g. `run_id: expected string; status: required`. */
export function describeIssues(error: ZodError, options: { root?: string; max?: number } = {}): string {
  const root = options.root ?? "(body)";
  return describe(error, options.max ?? 8, (issue) => {
    const where = issue.path.length > 0 ? issue.path.join(".") : root;
    if (issue.code === "unrecognized_keys") return `${where}: unknown key${issue.keys.length > 1 ? "s" : ""} ${unknownNames(issue.keys)}`;
    return `${where}: ${issue.message}`;
  });
}

/**
 * Query-string and environment problems, read as sentences (`limit must be at most 200`). Parameter
 * names we did not define are cut short and quoted.
 */
export function describeIssuesAsSentences(error: ZodError, options: { root?: string; max?: number } = {}): string {
  const root = options.root ?? "query";
  return describe(error, options.max ?? 6, (issue) => {
    if (issue.code === "unrecognized_keys") {
      return `unknown parameter${issue.keys.length > 1 ? "s" : ""} ${unknownNames(issue.keys)}`;
    }
    return `${issue.path.length > 0 ? issue.path.join(".") : root} ${issue.message}`;
  });
}
