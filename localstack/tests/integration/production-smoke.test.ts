/**
 * The production smoke test: what the image runs, run as the image would run it, without Docker. The built
 * output (`npm run build`), `sql/` and the package files are staged in a directory of their own with
 * production dependencies only (`npm ci --omit=dev`, as the image's deps stage), owned by root and not
 * writable; the processes run as a non-root user (nobody, 65534) with only a temp directory writable and
 * the image's environment (its `ENV` lines, read from services/Dockerfile), against LocalStack: the six
 * reference jobs (one per report type), submitted through the front door (LocalStack's API Gateway in front
 * of the built intake), end notified, and SIGTERM drains every process to exit 0. The worker
 * also runs the Snowflake adapter (against fakesnow) in that layout through a failing statement, which is
 * where snowflake-sdk's default logger would write `snowflake.log` into the working directory.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetailType } from "#events/names.js";
import { submitReportJob } from "#events/submit-report-job.js";
import { build } from "../../build.js";
import { type FakesnowServer, startFakesnow } from "../../fakesnow/fakesnow-server.js";
import { destroyFrontDoor, LOCAL_CALLER, localGatewayToken, provisionFrontDoor } from "../../front-door.js";
import { REPO_ROOT } from "../../local-aws.js";
import { type ServiceProcess, startService } from "../../service-process.js";
import { REFERENCE_WORKFLOW } from "../../start/reference-workflow.js";
import { createBusTap, createTestTopology, type TestTopology, testWorkerEnv } from "../../testing.js";

/** The image runs as a non-root user: as root here, nobody (65534); a non-root test runner is one already. */
const AS_ROOT = process.getuid?.() === 0;
const USER = AS_ROOT ? { uid: 65534, gid: 65534 } : {};

/** The runtime stage's `ENV` block of services/Dockerfile, as name → value. */
function imageEnv(dockerfile: string): Record<string, string> {
  const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));
  const block = /^ENV ((?:.*\\\n)*.*)$/m.exec(runtime)?.[1] ?? "";
  const env: Record<string, string> = {};
  for (const pair of block.replaceAll("\\\n", " ").trim().split(/\s+/)) {
    const [name, ...value] = pair.split("=");
    if (name) env[name] = value.join("=");
  }
  return env;
}

/** Every path under `dir` (files and directories). */
function tree(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? [join(dir, e.name), ...tree(join(dir, e.name))] : [join(dir, e.name)],
  );
}

describe("production smoke test: built JS, production dependencies, non-root, read-only app directory", () => {
  let t: TestTopology;
  let fakesnow: FakesnowServer | undefined;
  let root: string;
  let app: string;
  let writable: string;
  /** The image's own node: a copy beside the app (the checkout's may sit where nobody can reach it). */
  let node: string;
  const running: ServiceProcess[] = [];
  const secretId = `test/smoke-snowflake-${Date.now()}`;

  const env = (extra: Record<string, string> = {}) => ({
    ...imageEnv(readFileSync(join(REPO_ROOT, "services", "Dockerfile"), "utf8")),
    ...testWorkerEnv(t.provisioned.topology.prefix),
    // the image's /tmp paths, in the one writable directory; loopback only
    DUCKDB_PATH: join(writable, "reports.duckdb"),
    DUCKDB_TEMP_DIRECTORY: join(writable, "duckdb-spill"),
    TMPDIR: writable,
    HOME: writable,
    HTTP_HOST: "127.0.0.1",
    NODE_OPTIONS: "",
    LOG_LEVEL: "info",
    ...extra,
  });

  const service = (id: string, extra: Record<string, string> = {}) => {
    const p = startService({
      name: `smoke-${id}`,
      script: `dist/services/${id}/main.js`,
      loader: "none",
      node,
      cwd: app,
      ...USER,
      env: env(extra),
      logFile: join(REPO_ROOT, ".local", "logs", "smoke", `${t.provisioned.topology.prefix}-${id}.log`),
    });
    running.push(p);
    return p;
  };

  beforeAll(async () => {
    // under /tmp itself: TMPDIR may sit in a directory only its owner can enter (the fresh-machine check's)
    root = mkdtempSync(join(existsSync("/tmp") ? "/tmp" : tmpdir(), "smoke-"));
    chmodSync(root, 0o755);
    app = join(root, "app");
    writable = join(root, "tmp");
    mkdirSync(app);
    node = join(root, "node");
    cpSync(process.execPath, node);
    chmodSync(node, 0o755);
    build(join(app, "dist"));
    cpSync(join(REPO_ROOT, "sql"), join(app, "sql"), { recursive: true });
    for (const f of ["package.json", "package-lock.json"]) cpSync(join(REPO_ROOT, f), join(app, f));
    execFileSync("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: app,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, npm_config_update_notifier: "false" },
    });
    // read-only for the app's user: root owns it and nobody may write (the image's COPY + USER node)
    for (const path of [app, ...tree(app)]) chmodSync(path, statSync(path).mode & ~0o222);
    mkdirSync(writable, { mode: 0o700 });
    if (AS_ROOT) chownSync(writable, 65534, 65534);
    t = await createTestTopology();
  }, 300_000);

  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop(5_000)));
    await fakesnow?.stop();
    await t?.clients.secrets
      .send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }))
      .catch(() => {});
    await t?.dispose();
    if (root) {
      for (const path of [app, ...tree(app)]) chmodSync(path, 0o755);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("stages production dependencies only: no tsx, no dev tooling, and the app directory is not writable", () => {
    const modules = readdirSync(join(app, "node_modules"));
    expect(modules).not.toContain("tsx");
    expect(modules).not.toContain("vitest");
    expect(modules).toContain("snowflake-sdk");
    expect(() =>
      execFileSync(node, ["-e", `require("fs").writeFileSync(${JSON.stringify(join(app, "x"))}, "")`], {
        ...USER,
        stdio: "ignore",
      }),
    ).toThrow();
  });

  it("runs the six reference jobs, posted through the front door, to notified as nobody, then every process drains on SIGTERM and exits 0", async () => {
    // Prepare: the worker, the three consumers and the intake, as their ECS tasks start them, and the
    // local front door in front of the intake
    const tap = await createBusTap(t);
    const worker = service("worker");
    const consumers = ["organizer", "notifier", "auditor"].map((id) => service(id));
    const token = localGatewayToken();
    const intake = service("intake", {
      HTTP_PORT: "0",
      INTAKE_GATEWAY_TOKEN: token,
      INTAKE_JOB_ID_KEY: localGatewayToken(),
      INTAKE_LOCAL_CALLER: LOCAL_CALLER,
    });
    await worker.waitForLine('"worker started"', 60_000);
    await Promise.all(consumers.map((c) => c.waitForLine('"consumers started"', 60_000)));
    const intakePort = /"port":(\d+)/.exec(await intake.waitForLine('"intake started"', 60_000))?.[1];
    const door = await provisionFrontDoor({
      topology: t.provisioned.topology,
      intakeUrl: `http://127.0.0.1:${intakePort}`,
      token,
    });
    // Act
    for (const job of REFERENCE_WORKFLOW) {
      const res = await fetch(`${door.url}/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(job),
      });
      expect(res.status, await res.text()).toBe(202);
    }
    await tap.waitFor(
      (events) =>
        REFERENCE_WORKFLOW.every((job) =>
          events.some((e) => e.detailType === DetailType.ReportNotified && e.detail.jobId === job.jobId),
        ),
      "every reference job notified",
      120_000,
    );
    await tap.dispose();
    await destroyFrontDoor(door);
    const codes = await Promise.all([worker, ...consumers, intake].map((p) => p.stop(30_000)));
    // Assess
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    const logs = [worker, ...consumers, intake].map((p) => p.lines.join("\n")).join("\n");
    expect(logs).not.toMatch(/EACCES|EROFS|tsx/);
    running.splice(0);
  }, 240_000);

  it("runs the Snowflake adapter in that layout through a failing statement: JSON logs, no snowflake.log, still live", async () => {
    // Prepare: fakesnow answers the job's statement with a statement timeout (an SDK error is logged)
    fakesnow = await startFakesnow();
    await t.clients.secrets.send(
      new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify(fakesnow.secretPayload()) }),
    );
    await fakesnow.faults([{ on: "query", code: "000630" }]);
    const tap = await createBusTap(t);
    const worker = service("worker", { WAREHOUSE: "snowflake", SNOWFLAKE_SECRET_ID: secretId });
    const started = await worker.waitForLine('"worker started"', 60_000);
    const port = /"port":(\d+)/.exec(started)?.[1];
    // Act
    await submitReportJob(t.clients.sqs, t.provisioned.jobs.queueUrl, {
      jobId: "SMOKE_SNOWFLAKE",
      reportType: "connectivity_test",
    });
    await tap.waitFor(
      (events) =>
        events.some((e) => e.detailType === DetailType.ReportFailed && e.detail.jobId === "SMOKE_SNOWFLAKE"),
      "the job's ReportFailed",
      60_000,
    );
    await tap.dispose();
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    const code = await worker.stop(30_000);
    // Assess
    expect(live.status).toBe(200);
    expect(code).toBe(0);
    expect(tree(app).filter((p) => p.endsWith("snowflake.log"))).toEqual([]);
    expect(tree(writable).filter((p) => p.endsWith("snowflake.log"))).toEqual([]);
    expect(worker.lines.every((l) => l.trim() === "" || l.startsWith("{"))).toBe(true);
    running.splice(0);
  }, 180_000);
});
