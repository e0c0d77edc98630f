/**
 * The fault-injection suite at full size, from the command line:
 *
 *   npm run test:faults                       1000 jobs, 2 workers, 2 SIGKILLs, faults 10 % / 5 % / 5 %
 *   tsx localstack/faults/main.ts --jobs 200 [--workers 2] [--kills 2] [--seed 7]
 *                                     [--timeout-min 30] [--lost-response-share 0.5] [--json]
 *
 * Brings LocalStack up when it is not running (and stops it afterwards only if it started it), runs
 * `runFaultSuite`, prints the counts, and exits 0 only if every target is met. See fault-suite.ts.
 */
import { parseArgs } from "node:util";
import { localAwsEnv, localAwsForRun } from "../local-aws.js";
import { formatFaultSuiteResult, runFaultSuite } from "./fault-suite.js";

function positive(name: string, raw: string | undefined, fallback: number, integer = true): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new Error(
      `--${name} must be a ${integer ? "non-negative integer" : "non-negative number"}, got "${raw}"`,
    );
  }
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string" },
      workers: { type: "string" },
      kills: { type: "string" },
      seed: { type: "string" },
      "timeout-min": { type: "string" },
      "lost-response-share": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const jobs = positive("jobs", values.jobs, 1000);
  if (jobs < 1 || jobs > 100_000) throw new Error("--jobs must be between 1 and 100000");
  const options = {
    jobs,
    workers: Math.max(1, positive("workers", values.workers, 2)),
    kills: positive("kills", values.kills, 2),
    seed: positive("seed", values.seed, 7),
    timeoutMs: positive("timeout-min", values["timeout-min"], 30, false) * 60_000,
    lostResponseShare: positive("lost-response-share", values["lost-response-share"], 0, false),
    log: (line: string) => console.error(`[faults] ${line}`),
  };

  const localAws = localAwsForRun();
  try {
    await localAws.up();
    Object.assign(process.env, localAwsEnv());
    const result = await runFaultSuite(options);
    console.log(formatFaultSuiteResult(result));
    if (values.json) console.log(JSON.stringify(result));
    process.exitCode = result.passed ? 0 : 1;
  } finally {
    await localAws.stop();
  }
}

main().catch((error: Error) => {
  console.error(`fault suite: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
