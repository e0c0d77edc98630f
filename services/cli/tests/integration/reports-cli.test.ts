import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ListRulesCommand } from "@aws-sdk/client-eventbridge";
import { ListQueuesCommand, type Message } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReportEventPublisher } from "#events/event-publisher.js";
import { DetailType, SCHEMA_VERSION } from "#events/names.js";
import { eventIdFor, REPORT_FAILED_EXAMPLE, REPORT_GENERATED_EXAMPLE } from "#events/report-events.schema.js";
import { collectMessages, createTestTopology, eventually, type TestTopology } from "#localstack/testing.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const BIN = join(ROOT, "services", "cli", "bin", "reports.js");

interface Cli {
  child: ChildProcess;
  stdout: string[];
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `reports` as a real process, found the way `npx reports` finds it (node_modules/.bin first on PATH). */
function reports(args: string[]): Cli {
  const child = spawn(BIN, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  let stderr = "";
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    partial += chunk.toString("utf8");
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    stdout.push(...lines.filter((l) => l.trim() !== ""));
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout, stderr: () => stderr, exit };
}

async function finished(cli: Cli, timeoutMs = 45_000) {
  const timer = setTimeout(() => cli.child.kill("SIGKILL"), timeoutMs);
  try {
    const result = await cli.exit;
    return { ...result, stdout: cli.stdout, stderr: cli.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

const jobIdOf = (m: Message) => JSON.parse(m.Body ?? "{}").jobId as string;

describe("reports CLI against LocalStack", () => {
  let t: TestTopology;
  let prefix: string;
  let dir: string;

  /** The CLI's temporary rules and queues still present for this topology. */
  async function leftoverTaps() {
    const rules = await t.clients.events.send(
      new ListRulesCommand({ EventBusName: t.provisioned.busName, NamePrefix: `${prefix}-tap-` }),
    );
    const queues = await t.clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-tap-` }));
    return [...(rules.Rules ?? []).map((r) => r.Name), ...(queues.QueueUrls ?? [])];
  }

  beforeAll(async () => {
    t = await createTestTopology();
    prefix = t.provisioned.topology.prefix;
    dir = mkdtempSync(join(tmpdir(), "reports-cli-"));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.dispose();
  });

  it("`reports submit` resolves the queue from --prefix and the job arrives intact", async () => {
    const jobId = `CLI_${Date.now()}`;

    const run = await finished(
      reports([
        "submit",
        "--type",
        "sales",
        "--job-id",
        jobId,
        "--from",
        "2025-07-01",
        "--to",
        "2025-07-31",
        "--format",
        "csv",
        "--prefix",
        prefix,
      ]),
    );

    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout[0] ?? "{}");
    expect(printed).toMatchObject({ jobId, status: "sent" });
    const messages = await collectMessages(t.clients, t.provisioned.jobs.queueUrl, {
      until: (ms) => ms.some((m) => jobIdOf(m) === jobId),
      visibilityTimeout: 30,
    });
    const received = messages.find((m) => jobIdOf(m) === jobId);
    expect(received?.MessageId).toBe(printed.messageId);
    expect(JSON.parse(received?.Body ?? "{}")).toMatchObject({
      jobId,
      reportType: "sales",
      format: "csv",
      schemaVersion: SCHEMA_VERSION,
      parameters: { from: "2025-07-01", to: "2025-07-31", granularity: "day", limit: 100 },
    });
    expect(received?.MessageAttributes?.reportType?.StringValue).toBe("sales");
  });

  it("`reports submit --file` sends every job of the file (via --queue-url)", async () => {
    const stamp = Date.now();
    const jobs = [0, 1, 2].map((i) => ({
      jobId: `FILE_${i}_${stamp}`,
      reportType: "customer_analysis",
      parameters: { from: "2025-07-01", to: "2025-07-31", tiers: ["Premium"] },
    }));
    const file = join(dir, "jobs.json");
    writeFileSync(file, JSON.stringify(jobs));

    const run = await finished(
      reports(["submit", "--file", file, "--queue-url", t.provisioned.jobs.queueUrl]),
    );

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.map((l) => JSON.parse(l).status)).toEqual(["sent", "sent", "sent"]);
    const wanted = new Set(jobs.map((j) => j.jobId));
    const messages = await collectMessages(t.clients, t.provisioned.jobs.queueUrl, {
      until: (ms) => ms.filter((m) => wanted.has(jobIdOf(m))).length >= 3,
      visibilityTimeout: 30,
    });
    expect(
      messages
        .map(jobIdOf)
        .filter((id) => wanted.has(id))
        .sort(),
    ).toEqual([...wanted].sort());
  });

  it("`reports submit` with an invalid job exits 2 naming the field and sends nothing", async () => {
    const run = await finished(
      reports([
        "submit",
        "--type",
        "sales",
        "--job-id",
        "BAD_RANGE",
        "--from",
        "2025-08-01",
        "--to",
        "2025-07-01",
        "--prefix",
        prefix,
      ]),
    );

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("parameters.to (--to): must be on or after parameters.from");
    const sentinel = await finished(
      reports([
        "submit",
        "--type",
        "connectivity_test",
        "--job-id",
        `SENTINEL_${Date.now()}`,
        "--prefix",
        prefix,
      ]),
    );
    const sentinelId = JSON.parse(sentinel.stdout[0] ?? "{}").jobId;
    const messages = await collectMessages(t.clients, t.provisioned.jobs.queueUrl, {
      until: (ms) => ms.some((m) => jobIdOf(m) === sentinelId),
      visibilityTimeout: 30,
    });
    expect(messages.map(jobIdOf)).toContain(sentinelId);
    expect(messages.map(jobIdOf)).not.toContain("BAD_RANGE");
  });

  it("`reports submit --wait` exits 0 on the job's ReportGenerated and removes its tap", async () => {
    const jobId = `WAIT_${Date.now()}`;
    const cli = reports([
      "submit",
      "--type",
      "sales",
      "--job-id",
      jobId,
      "--from",
      "2025-07-01",
      "--to",
      "2025-07-02",
      "--wait",
      "--timeout",
      "40",
      "--prefix",
      prefix,
    ]);

    // Play the worker: take the job off the queue, then emit its outcome.
    await collectMessages(t.clients, t.provisioned.jobs.queueUrl, {
      until: (ms) => ms.some((m) => jobIdOf(m) === jobId),
      visibilityTimeout: 30,
      timeoutMs: 30_000,
    });
    const publisher = new ReportEventPublisher(t.clients.events, { busName: t.provisioned.busName });
    const base = { schemaVersion: SCHEMA_VERSION, jobId, reportType: "sales" } as const;
    await publisher.publish({
      detailType: "ReportStarted",
      detail: {
        ...base,
        eventId: eventIdFor(jobId, DetailType.ReportStarted, 1),
        attempt: 1,
        startedAt: new Date().toISOString(),
      },
    });
    // The tap is a standard SQS queue, which does not keep order: send the outcome only once the CLI has
    // shown the progress line, or a ReportGenerated read first would end the wait before it.
    await eventually(
      async () => (cli.stderr().includes(`${jobId}: ReportStarted (attempt 1)`) ? true : undefined),
      "the CLI shows ReportStarted",
      20_000,
    );
    await publisher.publish({
      detailType: "ReportGenerated",
      detail: {
        ...REPORT_GENERATED_EXAMPLE,
        ...base,
        eventId: eventIdFor(jobId, DetailType.ReportGenerated),
      },
    });
    const run = await finished(cli);

    expect(run.code, run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout[1] ?? "{}");
    expect(outcome).toMatchObject({ jobId, status: "succeeded", detailType: "ReportGenerated" });
    expect(run.stderr).toContain(`${jobId}: ReportStarted (attempt 1)`);
    expect(await leftoverTaps()).toEqual([]);
  });

  it("`reports submit --wait` exits 1 on a final ReportFailed", async () => {
    const jobId = `WAITFAIL_${Date.now()}`;
    const cli = reports([
      "submit",
      "--type",
      "connectivity_test",
      "--job-id",
      jobId,
      "--wait",
      "--timeout",
      "40",
      "--prefix",
      prefix,
    ]);
    await collectMessages(t.clients, t.provisioned.jobs.queueUrl, {
      until: (ms) => ms.some((m) => jobIdOf(m) === jobId),
      visibilityTimeout: 30,
      timeoutMs: 30_000,
    });
    const publisher = new ReportEventPublisher(t.clients.events, { busName: t.provisioned.busName });

    await publisher.publish({
      detailType: "ReportFailed",
      detail: {
        ...REPORT_FAILED_EXAMPLE,
        jobId,
        reportType: "connectivity_test",
        eventId: eventIdFor(jobId, DetailType.ReportFailed, 5),
      },
    });
    const run = await finished(cli);

    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout[1] ?? "{}")).toMatchObject({
      jobId,
      status: "failed",
      detailType: "ReportFailed",
    });
    expect(await leftoverTaps()).toEqual([]);
  });

  it("`reports submit --wait` times out with exit 124 and still removes its tap", async () => {
    const run = await finished(
      reports([
        "submit",
        "--type",
        "connectivity_test",
        "--job-id",
        `SLOW_${Date.now()}`,
        "--wait",
        "--timeout",
        "2",
        "--prefix",
        prefix,
      ]),
    );

    expect(run.code, run.stderr).toBe(124);
    expect(run.stderr).toContain("--timeout: no outcome within 2 s");
    expect(await leftoverTaps()).toEqual([]);
  });

  it("`reports events --follow` prints published events and cleans up on Ctrl-C", async () => {
    const cli = reports(["events", "--follow", "--prefix", prefix]);
    await eventually(
      async () => (cli.stderr().includes("listening on bus") ? true : undefined),
      "the tap",
      30_000,
    );
    expect(await leftoverTaps()).toHaveLength(2); // its rule and its queue, while it runs
    const jobId = `FOLLOW_${Date.now()}`;
    const publisher = new ReportEventPublisher(t.clients.events, { busName: t.provisioned.busName });

    await publisher.publish({
      detailType: "ReportGenerated",
      detail: { ...REPORT_GENERATED_EXAMPLE, jobId, eventId: eventIdFor(jobId, DetailType.ReportGenerated) },
    });
    const line = await eventually(
      async () => cli.stdout.find((l) => l.includes(jobId)),
      "the event on the CLI's stdout",
      20_000,
    );
    cli.child.kill("SIGINT");
    const run = await finished(cli);

    expect(JSON.parse(line)).toMatchObject({ "detail-type": "ReportGenerated", detail: { jobId } });
    expect(run.code).toBe(130);
    expect(run.stderr).toContain("removed");
    expect(await leftoverTaps()).toEqual([]);
  });
});
