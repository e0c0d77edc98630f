import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { buildTopology, CONSUMER_IDS, DEFAULT_PREFIX } from "#events/topology.js";
import { type AwsClients, createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { rememberingTrail } from "#services/status/audit-trail.js";
import { getJobStatus } from "#services/status/job-status.js";
import { S3AuditTrail } from "#services/status/s3-audit-trail.js";
import { S3ReportStore } from "#services/worker/s3-report-store.js";
import { provisionTopology } from "../bootstrap.js";
import { buildIfStale } from "../build.js";
import {
  destroyFrontDoor,
  LOCAL_CALLER,
  type LocalFrontDoor,
  localGatewayToken,
  provisionFrontDoor,
} from "../front-door.js";
import { down, localAwsEnv, REPO_ROOT, up } from "../local-aws.js";
import { assertProjectNode } from "../project-node.js";
import { freePort } from "../server-process.js";
import { type ServiceProcess, startService } from "../service-process.js";
import { queueDepth, SCHEDULE_RUNNER_SCRIPT } from "../testing.js";
import {
  changeLine,
  isSuccess,
  isTerminal,
  type JobProgress,
  progressLines,
  summaryLines,
  treeLines,
} from "./progress.js";
import { REFERENCE_WORKFLOW } from "./reference-workflow.js";

const RUN_DIR = join(REPO_ROOT, ".local", "run");
const LOG_DIR = join(REPO_ROOT, ".local", "logs");
const STARTED_AWS_MARKER = join(RUN_DIR, "started-local-aws");
/** What runs, from dist/ (compiled JS, plain node: what the image runs), one process each as in production. */
const SERVICES = ["worker", ...CONSUMER_IDS, "intake"] as const;
const entryOf = (service: string) => `dist/services/${service}/main.js`;

interface Options {
  keep: boolean;
  stop: boolean;
  prefix: string;
  timeoutSeconds: number;
}

export function parseStartArgs(argv: readonly string[]): Options {
  const options: Options = { keep: false, stop: false, prefix: DEFAULT_PREFIX, timeoutSeconds: 120 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--keep") options.keep = true;
    else if (arg === "--stop") options.stop = true;
    else if (arg === "--prefix") options.prefix = value();
    else if (arg === "--timeout") {
      const n = Number(value());
      if (!Number.isFinite(n) || n <= 0) throw new Error("--timeout must be a positive number of seconds");
      options.timeoutSeconds = n;
    } else if (arg === "--help" || arg === "-h") {
      console.log(
        "usage: npm start [-- --keep] [--prefix rp-local] [--timeout 120]\n       npm run stop\n" +
          "Runs the reference workflow on LocalStack + DuckDB and prints progress, a summary and the S3 tree.",
      );
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (see --help)`);
  }
  buildTopology({ prefix: options.prefix }); // validates the prefix, naming it
  return options;
}

/** A service from dist/ on plain node; the local stand-ins (the schedule runner) from localstack/ with tsx. */
function runService(name: string, env: NodeJS.ProcessEnv, keep: boolean, script?: string) {
  const service = startService({
    name,
    script: script ?? entryOf(name),
    loader: script ? "tsx" : "none",
    env,
    logFile: join(LOG_DIR, `${name}.log`),
    detached: keep,
  });
  mkdirSync(RUN_DIR, { recursive: true });
  if (service.child.pid) writeFileSync(join(RUN_DIR, `${name}.pid`), `${service.child.pid}\n`);
  return service;
}

async function stopService(service: ServiceProcess): Promise<void> {
  await service.stop();
  rmSync(join(RUN_DIR, `${service.name}.pid`), { force: true });
}

/** `npm run stop`: ends what `npm start -- --keep` left running. */
async function stopKept(): Promise<void> {
  const kept: [string, string][] = [
    ...SERVICES.map((name): [string, string] => [name, entryOf(name)]),
    ["schedule-runner", SCHEDULE_RUNNER_SCRIPT],
  ];
  for (const [name, script] of kept) {
    const file = join(RUN_DIR, `${name}.pid`);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, "utf8").trim());
    let alive = false;
    try {
      // Its own script, not "services/": the consumers and the schedule runner run from localstack/.
      alive = readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(script);
    } catch {
      alive = false;
    }
    if (alive) {
      process.kill(pid, "SIGTERM");
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && existsSync(`/proc/${pid}`))
        await new Promise((r) => setTimeout(r, 100));
      console.log(`stopped ${name} (pid ${pid})`);
    }
    rmSync(file, { force: true });
  }
  if (existsSync(STARTED_AWS_MARKER)) {
    await down();
    rmSync(STARTED_AWS_MARKER, { force: true });
  }
}

async function reportObjects(clients: AwsClients, bucket: string) {
  const objects: { key: string; size: number }[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await clients.s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: "reports/",
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const o of out.Contents ?? []) if (o.Key) objects.push({ key: o.Key, size: o.Size ?? 0 });
    token = out.NextContinuationToken;
    if (!token) break;
  }
  return objects;
}

async function run(options: Options): Promise<number> {
  const tty = Boolean(process.stdout.isTTY) && process.env.CI !== "true";
  const say = (line: string) => console.log(line);
  const t0 = Date.now();

  say("▶ local AWS (LocalStack), and dist/ built if stale (the services run compiled, as in the image)");
  const building = buildIfStale();
  const aws = await up();
  if (aws.started) {
    mkdirSync(RUN_DIR, { recursive: true });
    writeFileSync(STARTED_AWS_MARKER, "1\n");
  }
  const awsSeconds = (Date.now() - t0) / 1000;
  say(`  ${aws.endpoint} ${aws.started ? "started" : "already running"} (${awsSeconds.toFixed(1)} s)`);
  const built = await building;
  const buildSeconds = (Date.now() - t0) / 1000;
  say(`  dist/ ${built ? `built (${buildSeconds.toFixed(1)} s after start)` : "up to date"}`);
  Object.assign(process.env, localAwsEnv());

  const tWorkflow = Date.now();
  const clients = createAwsClients();
  const services: ServiceProcess[] = [];
  let door: LocalFrontDoor | undefined;
  let exitCode = 1;
  try {
    const provisioned = await provisionTopology(clients, buildTopology({ prefix: options.prefix }));
    const topologySeconds = (Date.now() - tWorkflow) / 1000;
    say(`▶ topology ${options.prefix}: bus, ${2 + 2 * 3} queues, 3 rules, bucket ${provisioned.bucket}`);

    const env = {
      ...process.env,
      ...localAwsEnv(),
      REPORTS_PREFIX: options.prefix,
      POLL_WAIT_SECONDS: "2",
      HTTP_PORT: "0",
      LOG_LEVEL: "info",
      // local development: webhooks to a listener on this machine are delivered (refused in production)
      WEBHOOK_ALLOW_LOOPBACK: "true",
      // Node keeps the compiled bytecode of the modules: the second start loads them about twice as fast
      NODE_COMPILE_CACHE: join(REPO_ROOT, ".local", "node-compile-cache"),
    };
    const token = localGatewayToken();
    // The intake's port is picked here, so its front door is provisioned while the services start.
    const intakePort = await freePort();
    // One job-id key for the run: the intake's Snowflake ids and the worker's scheduled-run ids.
    const jobIdKey = localGatewayToken();
    const intakeEnv = {
      ...env,
      HTTP_PORT: String(intakePort),
      INTAKE_GATEWAY_TOKEN: token,
      INTAKE_JOB_ID_KEY: jobIdKey,
      // LocalStack's gateway authenticates nobody: locally every request is this developer's
      INTAKE_LOCAL_CALLER: LOCAL_CALLER,
    };
    const tServices = Date.now();
    const envOf = (name: string) =>
      name === "intake" ? intakeEnv : name === "worker" ? { ...env, JOB_ID_KEY: jobIdKey } : env;
    for (const name of SERVICES) services.push(runService(name, envOf(name), options.keep));
    // With --keep, schedules fire locally: LocalStack stores them, the runner sends their runs.
    if (options.keep) services.push(runService("schedule-runner", env, true, SCHEDULE_RUNNER_SCRIPT));
    const started = (name: string, line: string) =>
      (services.find((s) => s.name === name) as ServiceProcess).waitForLine(line, 60_000);
    // Jobs wait in the queue and events in the consumers' queues: only the intake and its door are needed
    // before the workflow is submitted; the others finish starting meanwhile (a failed start still fails).
    const othersReady = Promise.all([
      started("worker", '"worker started"'),
      ...CONSUMER_IDS.map((id) => started(id, '"consumers started"')),
    ]);
    othersReady.catch(() => undefined);
    const [, provisionedDoor] = await Promise.all([
      started("intake", '"intake started"'),
      provisionFrontDoor({
        topology: provisioned.topology,
        intakeUrl: `http://127.0.0.1:${intakePort}`,
        token,
      }),
    ]);
    door = provisionedDoor;
    const intakeSeconds = (Date.now() - tServices) / 1000;
    say(`▶ front door ${door.url} (LocalStack API Gateway) → intake http://127.0.0.1:${intakePort}`);

    const tSubmit = Date.now();
    await Promise.all(
      REFERENCE_WORKFLOW.map(async (job) => {
        const res = await fetch(`${door?.url}/jobs`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(job),
        });
        if (res.status !== 202)
          throw new Error(
            `POST /jobs of ${job.jobId} answered ${res.status}: ${(await res.text()).slice(0, 500)}`,
          );
      }),
    );
    const submitSeconds = (Date.now() - tSubmit) / 1000;
    const [workerLine] = await othersReady;
    const servicesSeconds = (Date.now() - tServices) / 1000;
    const port = (JSON.parse(workerLine) as { port?: number }).port;
    say(
      `▶ worker (DuckDB sample data, health http://127.0.0.1:${port}/health), ${CONSUMER_IDS.join(", ")} and intake running from dist/; logs in .local/logs/`,
    );
    say(`▶ submitted ${REFERENCE_WORKFLOW.length} jobs through the front door (POST /jobs); progress:`);

    const jobs: JobProgress[] = REFERENCE_WORKFLOW.map((j) => ({
      jobId: j.jobId,
      reportType: j.reportType,
      state: "queued",
      seconds: 0,
    }));
    const store = new S3ReportStore(clients.s3, provisioned.bucket);
    // Each poll lists the jobs' audit prefixes and reads only the records it has not seen yet: polling
    // every 150 ms would otherwise put more load on LocalStack than the six jobs themselves.
    const trail = rememberingTrail(new S3AuditTrail(clients.s3, provisioned.bucket));
    const deadline = tSubmit + options.timeoutSeconds * 1000;
    let drawn = 0;
    let firstPoll = true;
    for (;;) {
      const open = jobs.filter((j) => !isTerminal(j.state));
      const statuses = await Promise.all(open.map((j) => getJobStatus(trail, j.jobId)));
      for (const [i, status] of statuses.entries()) {
        const job = open[i] as JobProgress;
        const state = status?.state ?? "queued";
        if (state === job.state) continue;
        job.state = state;
        job.seconds = (Date.now() - tSubmit) / 1000;
        if (firstPoll && isTerminal(state)) job.reused = true;
        if (status?.error && !isSuccess(state)) job.error = `${status.error.code}: ${status.error.message}`;
        if (state === "notified" && status?.finalKey) {
          const facts = await store.head(status.finalKey);
          if (facts) {
            job.rows = facts.rowCount;
            job.bytes = facts.sizeBytes;
          }
        }
        if (!tty) say(changeLine(job));
      }
      if (tty) {
        const lines = progressLines(jobs, (Date.now() - tSubmit) / 1000);
        if (drawn > 0) process.stdout.write(`\x1b[${drawn}A`);
        process.stdout.write(`${lines.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
        drawn = lines.length;
      }
      firstPoll = false;
      if (jobs.every((j) => isTerminal(j.state)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 150));
    }
    const workflowSeconds = (Date.now() - tWorkflow) / 1000;
    const jobsSeconds = (Date.now() - tSubmit) / 1000;
    // Reused jobs were reported from the audit trail at once; let the worker take their messages (it only
    // re-emits events the consumers already applied) so nothing is left queued behind us.
    const drainDeadline = Date.now() + 15_000;
    while (Date.now() < drainDeadline && (await queueDepth(clients, provisioned.jobs.queueUrl)) > 0) {
      await new Promise((r) => setTimeout(r, 200));
    }

    say("");
    for (const line of summaryLines(jobs)) say(line);
    say("");
    for (const line of treeLines(await reportObjects(clients, provisioned.bucket))) say(line);
    say("");
    const ok = jobs.filter((j) => isSuccess(j.state)).length;
    const timedOut = jobs.some((j) => !isTerminal(j.state));
    say(
      `${ok}/${jobs.length} jobs succeeded${timedOut ? ` (timed out after ${options.timeoutSeconds} s)` : ""}; ` +
        `workflow ${workflowSeconds.toFixed(1)} s after the local AWS was up (local AWS: ${awsSeconds.toFixed(1)} s).`,
    );
    const s1 = (n: number) => `${n.toFixed(1)} s`;
    say(
      `where the workflow's time went: topology ${s1(topologySeconds)}, intake and its front door up ${s1(intakeSeconds)}, ` +
        `submit ${s1(submitSeconds)} (all services up ${s1(servicesSeconds)} after launch), ` +
        `jobs organized and notified ${s1(jobsSeconds)} after submit.`,
    );
    exitCode = ok === jobs.length ? 0 : 1;
  } finally {
    destroyAwsClients(clients);
    if (door && !options.keep) await destroyFrontDoor(door).catch(() => undefined);
    if (options.keep) {
      for (const service of services) service.detach();
      say(
        [
          "",
          "Still running (--keep): LocalStack at http://127.0.0.1:4566, the worker, the consumers, the intake and the schedule runner (logs: .local/logs/).",
          "Submit more jobs through the front door (README: Calling the pipeline over HTTPS):",
          ...(door
            ? [
                `  curl -s -X POST ${door.url}/jobs -H 'content-type: application/json' -d '{"jobId":"MY_SALES_1","reportType":"sales","parameters":{"from":"2025-07-01","to":"2025-07-31"}}'`,
                `  curl -s ${door.url}/jobs/MY_SALES_1`,
              ]
            : []),
          "or with the CLI:",
          `  npx reports submit --prefix ${options.prefix} --type sales --job-id MY_SALES_1 --from 2025-07-01 --to 2025-07-31 --wait`,
          `  npx reports status MY_SALES_1 --prefix ${options.prefix}`,
          "Schedules fire locally (README: Scheduling reports):",
          `  npx reports schedule create --prefix ${options.prefix} --name daily-sales --expression "cron(30 2 * * ? *)" --timezone Europe/Berlin --type sales --params '{"from":"{{previous_day.from}}","to":"{{previous_day.to}}"}'`,
          "  (reports reads AWS_ENDPOINT_URL etc.: export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)",
          "Stop everything: npm run stop",
        ].join("\n"),
      );
    } else {
      await Promise.all(services.map(stopService));
      if (aws.started) {
        await down();
        rmSync(STARTED_AWS_MARKER, { force: true });
      }
    }
  }
  return exitCode;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let options: Options;
  try {
    assertProjectNode(REPO_ROOT);
    options = parseStartArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`npm start: ${(error as Error).message}`);
    process.exit(2);
  }
  (options.stop ? stopKept().then(() => 0) : run(options)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`npm start failed: ${error.message}`);
      process.exit(1);
    },
  );
}
