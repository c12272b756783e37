import { defineConfig } from "vitest/config";

/**
 * Browser tests: plain Node drives the Worker in workerd (scripts/local-worker.ts) and Debian's
 * Chromium (playwright-core). Run with `npx vitest run --config vitest.browser.config.ts`.
 */
export default defineConfig({
  test: {
    include: ["tests-browser/**/*.test.ts"],
    environment: "node",
    // startLocalWorker changes the working directory while wrangler builds the client, and
    // process.chdir() is not available in worker threads.
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
