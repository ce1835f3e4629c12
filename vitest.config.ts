import { defineConfig } from "vitest/config";

// Load and fault tests measure what a process does under pressure: they run after the rest of the
// suite, one file at a time, so that other suites' servers (LangGraph, Chromium) do not compete with
// them for this machine's two cores and turn their 8 s attempt timeouts into false failures.
const HEAVY = ["test/load/**/*.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    // Under CI a JSON report too, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env["CI"] === "true" ? ["default", ["json", { outputFile: "test-artifacts/vitest.json" }]] : ["default"],
    projects: [
      {
        extends: true,
        test: { name: "suite", include: ["test/**/*.test.ts"], exclude: HEAVY, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: "load", include: HEAVY, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
