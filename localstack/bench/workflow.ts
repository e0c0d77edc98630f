/**
 * P4: the main job as a user runs it. `npm start` (localstack/start/main.ts) against the LocalStack that is
 * already up, each run on a fresh prefix (so nothing is reused), and the seconds it reports from the local
 * AWS being up to six jobs organized and notified, with its own account of where they went. The topology
 * of each run is removed afterwards. The target is absolute (≤ 2 s), so there is no baseline here.
 */
import { join } from "node:path";
import { buildTopology } from "#events/topology.js";
import { createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { destroyTopology, provisionTopology } from "../bootstrap.js";
import { REPO_ROOT } from "../local-aws.js";
import { startService } from "../service-process.js";
import { uniquePrefix } from "../testing.js";
import { log, quantile, r2 } from "./measure.js";

export interface WorkflowResult {
  runs: number;
  workflow_s: number[];
  median_s: number;
  max_s: number;
  /** npm start's "where the workflow's time went" line, per run. */
  phases: string[];
}

export async function runWorkflow(runs: number): Promise<WorkflowResult> {
  const workflow: number[] = [];
  const phases: string[] = [];
  for (let run = 1; run <= runs; run++) {
    const prefix = uniquePrefix("p4");
    const start = startService({
      name: `p4-${run}`,
      script: "localstack/start/main.ts",
      args: ["--prefix", prefix, "--timeout", "60"],
      env: { CI: "true" },
      logFile: join(REPO_ROOT, ".local", "bench", "p4", `run-${run}.log`),
      keepLines: 500,
    });
    try {
      const code = await start.exited;
      const done = start.lines.find((l) => /workflow [\d.]+ s after the local AWS was up/.test(l));
      if (code !== 0 || !done)
        throw new Error(
          `npm start exited ${code}; see ${start.logFile}: ${start.lines.slice(-5).join(" | ")}`,
        );
      const seconds = Number(/workflow ([\d.]+) s/.exec(done)?.[1]);
      workflow.push(seconds);
      const where = start.lines.find((l) => l.startsWith("where the workflow's time went")) ?? "";
      phases.push(where);
      log(`P4 run ${run}: workflow ${seconds} s; ${where}`);
    } finally {
      const clients = createAwsClients();
      try {
        await destroyTopology(clients, await provisionTopology(clients, buildTopology({ prefix })));
      } finally {
        destroyAwsClients(clients);
      }
    }
  }
  return {
    runs,
    workflow_s: workflow,
    median_s: r2(quantile(workflow, 0.5)),
    max_s: Math.max(...workflow),
    phases,
  };
}
