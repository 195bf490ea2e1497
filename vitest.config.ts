import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most files wait on sockets and child processes, not on a core: two at once even on two cores
    // (vitest's default would be one there, and the suite would take twice as long).
    maxWorkers: 2,
    setupFiles: ["test/helpers/isolate-cache.ts"],
  },
});
