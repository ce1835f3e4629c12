// The dev server's readable log line: what the JSON line says, in one line a person scans — the
// request's status, code, method and path first, the ids after, the reason last — and nothing more.
import { describe, expect, it } from "vitest";
import { devLogger, prettyLogger } from "../../dev/pretty-log.js";

describe("prettyLogger", () => {
  it("writes a refused request as one line: level, message, status code method path, ids, reason", () => {
    const lines: string[] = [];
    prettyLogger((line) => lines.push(line), false).warn("request refused", {
      status: 401,
      code: "unauthorized",
      method: "POST",
      path: "/api/webhook",
      run_id: "01a2",
      error: "Invalid webhook token.",
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}WARN {3}request refused {2}401 unauthorized POST \/api\/webhook {2}run_id=01a2 {2}— Invalid webhook token\.$/);
  });

  it("names a run's status (a string), unlike a request's HTTP status", () => {
    const lines: string[] = [];
    prettyLogger((line) => lines.push(line), false).info("webhook received", { run_id: "01a2", status: "error" });
    expect(lines[0]).toMatch(/INFO {3}webhook received {2}run_id=01a2 {2}status=error$/);
  });

  it("colours the level when asked, and leaves fields that are undefined out", () => {
    const lines: string[] = [];
    prettyLogger((line) => lines.push(line), true).error("request failed", { status: 503, thread_id: undefined });
    expect(lines[0]).toContain("\u001b[31m");
    expect(lines[0]).not.toContain("thread_id");
  });

  it("is chosen by LOG_FORMAT, JSON otherwise when the output is not a terminal", () => {
    const written: string[] = [];
    const original = console.log;
    console.log = (line: string) => written.push(line);
    try {
      devLogger({ LOG_FORMAT: "json" }).info("x", { a: 1 });
      devLogger({ LOG_FORMAT: "pretty", NO_COLOR: "1" }).info("y", { a: 1 });
    } finally {
      console.log = original;
    }
    expect(JSON.parse(written[0]!)).toMatchObject({ level: "info", msg: "x", a: 1 });
    expect(written[1]).toMatch(/INFO {3}y {2}a=1$/);
  });
});
