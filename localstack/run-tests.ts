/**
 * `npm test`: unit tests, then integration/e2e tests against the local AWS. Brings LocalStack up when it
 * is not already up and stops it afterwards only if this run started it, so a machine is left as found.
 * Prints one closing line `tests: N passed, N failed, N skipped` summed over both projects.
 *
 *   tsx localstack/run-tests.ts all|unit|integration [extra vitest args]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { localAwsEnv, localAwsForRun, REPO_ROOT, writtenSince } from "./local-aws.js";
import { assertProjectNode } from "./project-node.js";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const VITEST_CONFIG = join(REPO_ROOT, ".config", "vitest.config.ts");
const REPORT_DIR = join(REPO_ROOT, ".local", "test-results");

function runVitest(
  project: string,
  extraArgs: string[],
  env: NodeJS.ProcessEnv,
): { code: number; counts: Counts } {
  mkdirSync(REPORT_DIR, { recursive: true });
  const report = join(REPORT_DIR, `${project}.json`);
  rmSync(report, { force: true });
  // Run vitest on the project's Node 24 whatever `node` is first on PATH, and put node_modules/.bin
  // first on PATH for the processes tests spawn.
  const bin = join(REPO_ROOT, "node_modules", ".bin");
  const out = spawnSync(
    join(bin, "node"),
    [
      join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs"),
      "run",
      "--config",
      VITEST_CONFIG,
      "--project",
      project,
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
      "--passWithNoTests",
      ...extraArgs,
    ],
    { stdio: "inherit", env: { ...env, PATH: `${bin}:${env.PATH ?? ""}` }, cwd: REPO_ROOT },
  );
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const json = JSON.parse(readFileSync(report, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
      numFailedTestSuites: number;
    };
    counts.passed = json.numPassedTests;
    // A file whose hooks failed (e.g. a beforeAll timeout) fails no test but skips them all: count it.
    counts.failed = Math.max(json.numFailedTests, json.numFailedTestSuites ?? 0);
    counts.skipped = json.numPendingTests + json.numTodoTests;
  } catch {
    counts.failed += 1; // no report: vitest itself failed (e.g. a file did not compile)
  }
  return { code: out.status ?? 1, counts };
}

async function main() {
  assertProjectNode(REPO_ROOT);
  const [mode = "all", ...extra] = process.argv.slice(2);
  if (!["all", "unit", "integration"].includes(mode))
    throw new Error(`mode must be all|unit|integration, got ${mode}`);
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  let exitCode = 0;
  const add = (r: { code: number; counts: Counts }) => {
    total.passed += r.counts.passed;
    total.failed += r.counts.failed;
    total.skipped += r.counts.skipped;
    if (r.code !== 0) exitCode = r.code;
  };

  if (mode !== "integration") add(runVitest("unit", extra, process.env));

  if (mode !== "unit") {
    // a second granularity margin: some filesystems keep whole-second timestamps
    const runStart = Math.floor(Date.now() / 1000) * 1000;
    const run = localAwsForRun();
    let localAws: Awaited<ReturnType<typeof run.up>> | undefined;
    try {
      localAws = await run.up();
    } catch (error) {
      // the integration tests cannot run: say why (the launcher quotes LocalStack's exception) and count it
      console.error(`run-tests: ${(error as Error).message}`);
      total.failed += 1;
      exitCode = 1;
    }
    try {
      // the tests' own processes (npm start, the fault suite) reuse the LocalStack this run started
      const { LOCAL_AWS_REQUIRE_FRESH: _fresh, ...env } = process.env;
      if (localAws) add(runVitest("integration", extra, { ...env, ...localAwsEnv() }));
    } finally {
      await run.stop();
    }
    // LocalStack's state belongs in .local/ (and its venv in the cache): anything it wrote to its default
    // locations would outlive the checkout and could make the next run pass by leftovers
    const leaked = writtenSince(runStart);
    if (leaked.length > 0) {
      console.error(
        `run-tests: LocalStack wrote outside the checkout during this run:\n  ${leaked.join("\n  ")}`,
      );
      total.failed += 1;
    } else {
      total.passed += 1;
      console.log("run-tests: nothing written to LocalStack's default locations outside the checkout");
    }
  }

  console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  process.exitCode = exitCode || (total.failed > 0 ? 1 : 0);
}

main().catch((error: Error) => {
  console.error(`run-tests: ${error.message}`);
  process.exitCode = 1;
});
