import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

// Two projects: `unit` (no network, fast) and `integration` (talks to the local AWS over HTTP).
// e2e tests that cross areas live under services/tests/e2e and run with integration.
export default defineConfig({
  test: {
    root,
    projects: [
      {
        test: {
          name: "unit",
          root,
          include: ["**/tests/unit/**/*.test.ts"],
          exclude: ["node_modules/**", "dist/**"],
        },
      },
      {
        test: {
          name: "integration",
          root,
          include: ["**/tests/integration/**/*.test.ts", "**/tests/e2e/**/*.test.ts"],
          exclude: ["node_modules/**", "dist/**"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
