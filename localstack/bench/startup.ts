/**
 * `npm run bench:startup`: start-up time and idle RSS of the worker as the image runs it (compiled, plain
 * `node dist/services/worker/main.js`) against the same worker run from its sources through tsx, in the
 * same invocation, alternating, against the local AWS. Builds dist/ first; brings LocalStack up if it is
 * not running (and stops only what it started). Prints one JSON line last.
 *
 *   npm run bench:startup [-- --runs 5 --idle-seconds 5]
 */
import { join } from "node:path";
import { build } from "../build.js";
import { down, localAwsEnv, REPO_ROOT, up } from "../local-aws.js";
import { startService } from "../service-process.js";
import { createTestTopology, testWorkerEnv } from "../testing.js";
import { quantile, rssMb } from "./measure.js";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 100)
    throw new Error(`--${name} must be an integer 1..100`);
  return value;
}

const median = (xs: number[]) => quantile(xs, 0.5);

interface Sample {
  readyMs: number;
  idleRssMb: number;
}

async function sample(
  kind: "dist" | "tsx",
  prefix: string,
  run: number,
  idleSeconds: number,
): Promise<Sample> {
  const t0 = performance.now();
  const worker = startService({
    name: `${kind}-${run}`,
    script: kind === "dist" ? "dist/services/worker/main.js" : "services/worker/main.ts",
    loader: kind === "dist" ? "none" : "tsx",
    env: { ...localAwsEnv(), ...testWorkerEnv(prefix), NODE_ENV: "production", LOG_LEVEL: "info" },
    logFile: join(REPO_ROOT, ".local", "bench", "startup", `${kind}-${run}.log`),
  });
  try {
    await worker.waitForLine('"worker started"', 60_000);
    const readyMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    return { readyMs, idleRssMb: rssMb(worker.child.pid ?? 0) };
  } finally {
    await worker.stop();
  }
}

async function main() {
  const runs = flag("runs", 5);
  const idleSeconds = flag("idle-seconds", 5);
  build();
  const aws = await up();
  Object.assign(process.env, localAwsEnv());
  const t = await createTestTopology();
  const prefix = t.provisioned.topology.prefix;
  try {
    const samples: Record<"dist" | "tsx", Sample[]> = { dist: [], tsx: [] };
    for (let run = 1; run <= runs; run++) {
      for (const kind of ["dist", "tsx"] as const) {
        const s = await sample(kind, prefix, run, idleSeconds);
        samples[kind].push(s);
        console.error(
          `${kind} run ${run}: ready ${s.readyMs.toFixed(0)} ms, idle RSS ${s.idleRssMb.toFixed(1)} MB`,
        );
      }
    }
    const summary = (xs: Sample[]) => ({
      readyMsMedian: Math.round(median(xs.map((s) => s.readyMs))),
      idleRssMbMedian: Number(median(xs.map((s) => s.idleRssMb)).toFixed(1)),
    });
    const dist = summary(samples.dist);
    const tsx = summary(samples.tsx);
    console.log(
      JSON.stringify({
        node: process.versions.node,
        runs,
        idleSeconds,
        dist,
        tsx,
        readyRatio: Number((dist.readyMsMedian / tsx.readyMsMedian).toFixed(2)),
        rssRatio: Number((dist.idleRssMbMedian / tsx.idleRssMbMedian).toFixed(2)),
      }),
    );
  } finally {
    await t.dispose();
    if (aws.started) await down();
  }
}

main().catch((error: Error) => {
  console.error(`bench:startup: ${error.message}`);
  process.exitCode = 1;
});
