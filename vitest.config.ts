import { defineConfig } from "vitest/config";

// One project per tier, selected by folder: `npx vitest run --project unit` runs the fast tests alone,
// `--project e2e` the dev stack, the built output, Chromium and the README. The tiers share one group
// and run side by side, two files at a time (this machine has two cores).
//
// Load and fault tests measure what a process does under pressure: they run after the rest of the
// suite, one file at a time, so that other suites' servers (LangGraph, Chromium) do not compete with
// them for the cores and turn their 8 s attempt timeouts into false failures.
const TIERS = ["unit", "types", "handlers", "integration", "e2e"] as const;

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    // Under CI a JSON report too, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env["CI"] === "true" ? ["default", ["json", { outputFile: "test-artifacts/vitest.json" }]] : ["default"],
    projects: [
      ...TIERS.map((tier) => ({
        extends: true as const,
        test: { name: tier, include: [`test/${tier}/**/*.test.ts`], sequence: { groupOrder: 0 } },
      })),
      {
        extends: true,
        test: { name: "load", include: ["test/load/**/*.test.ts"], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
