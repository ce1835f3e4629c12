import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: the LangGraph and Redis servers the suites start need room too.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
