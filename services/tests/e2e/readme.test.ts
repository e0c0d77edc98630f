/**
 * The README's hand-written commands, run as written: a raw `aws sqs send-message` of a job, and an
 * `aws events put-rule` + `put-targets` subscription to report events. The `aws` CLI is the one in the
 * LocalStack venv (the same pinned install `npm run local:up` makes).
 */
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorker } from "#services/worker/main.js";
import { ensureVenv, localEndpoint, REPO_ROOT } from "../../../localstack/local-aws.js";
import {
  collectMessages,
  createBusTap,
  createTestTopology,
  eventOf,
  type TestTopology,
} from "../../../localstack/testing.js";
import { startTestFrontDoor, startTestWorker, type TestFrontDoor } from "./support.js";

describe("README commands against LocalStack", () => {
  let t: TestTopology;
  let tap: Awaited<ReturnType<typeof createBusTap>>;
  let worker: RunningWorker;
  let aws: (...args: string[]) => string;

  beforeAll(async () => {
    t = await createTestTopology();
    tap = await createBusTap(t);
    worker = await startTestWorker(t.provisioned.topology.prefix);
    const bin = join(dirname(ensureVenv()), "aws");
    aws = (...args) =>
      execFileSync(bin, ["--endpoint-url", localEndpoint(), "--region", "us-east-1", ...args], {
        encoding: "utf8",
        env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
      });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await tap?.dispose();
    await t?.dispose();
  });

  it("a job sent with `aws sqs send-message` is generated", async () => {
    const body = JSON.stringify({
      jobId: "README_CLI_1",
      reportType: "sales",
      parameters: { from: "2025-07-01", to: "2025-07-31" },
      requestedAt: "2025-08-03T15:46:08Z",
      requestedBy: "me@example.com",
    });

    aws(
      "sqs",
      "send-message",
      "--queue-url",
      t.provisioned.jobs.queueUrl,
      "--message-body",
      body,
      "--message-attributes",
      "reportType={DataType=String,StringValue=sales},schemaVersion={DataType=String,StringValue=1}",
    );

    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "README_CLI_1" && e.detailType === "ReportGenerated"),
      "ReportGenerated",
    );
  });

  it("a rule subscribed with `aws events put-rule` / `put-targets` receives ReportGenerated", async () => {
    const prefix = t.provisioned.topology.prefix;
    const queue = JSON.parse(aws("sqs", "create-queue", "--queue-name", `${prefix}-my-team`)) as {
      QueueUrl: string;
    };
    const arn = JSON.parse(
      aws("sqs", "get-queue-attributes", "--queue-url", queue.QueueUrl, "--attribute-names", "QueueArn"),
    ) as { Attributes: { QueueArn: string } };
    aws(
      "events",
      "put-rule",
      "--name",
      `${prefix}-my-team-generated`,
      "--event-bus-name",
      t.provisioned.busName,
      "--event-pattern",
      '{"source":["report-pipeline.reports"],"detail-type":["ReportGenerated"]}',
    );
    aws(
      "events",
      "put-targets",
      "--rule",
      `${prefix}-my-team-generated`,
      "--event-bus-name",
      t.provisioned.busName,
      "--targets",
      `Id=my-team,Arn=${arn.Attributes.QueueArn}`,
    );

    aws(
      "sqs",
      "send-message",
      "--queue-url",
      t.provisioned.jobs.queueUrl,
      "--message-body",
      JSON.stringify({
        jobId: "README_RULE_1",
        reportType: "connectivity_test",
        requestedAt: "2025-08-03T15:46:08Z",
        requestedBy: "me@example.com",
      }),
    );

    const got = await collectMessages(t.clients, queue.QueueUrl, {
      until: (ms) => ms.some((m) => eventOf(m).detail.jobId === "README_RULE_1"),
      timeoutMs: 30_000,
    });
    const event = got.map(eventOf).find((e) => e.detail.jobId === "README_RULE_1");
    expect(event?.["detail-type"]).toBe("ReportGenerated");
    aws(
      "events",
      "remove-targets",
      "--rule",
      `${prefix}-my-team-generated`,
      "--event-bus-name",
      t.provisioned.busName,
      "--ids",
      "my-team",
    );
    aws(
      "events",
      "delete-rule",
      "--name",
      `${prefix}-my-team-generated`,
      "--event-bus-name",
      t.provisioned.busName,
    );
    aws("sqs", "delete-queue", "--queue-url", queue.QueueUrl);
  });
});

describe("README: Calling the pipeline over HTTPS, against the local front door", () => {
  let t: TestTopology;
  let tap: Awaited<ReturnType<typeof createBusTap>>;
  let worker: RunningWorker;
  let front: TestFrontDoor;

  beforeAll(async () => {
    t = await createTestTopology();
    tap = await createBusTap(t);
    worker = await startTestWorker(t.provisioned.topology.prefix);
    front = await startTestFrontDoor(t);
  }, 120_000);

  afterAll(async () => {
    await front?.stop();
    await worker?.stop();
    await tap?.dispose();
    await t?.dispose();
  });

  it("the SigV4-signed curl commands, as written with the local URL, submit the job and read its status", async () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const block = /```sh\n(API=[^\n]*\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(block, "the README's curl example").toBeDefined();
    const script = (block ?? "").replace(/^API=.*$/m, `API=${front.door.url}`);

    // Asynchronously: the intake answering curl runs in this process, so a synchronous exec would block
    // the very event loop that must answer (curl would wait for ever).
    const { stdout: out } = await promisify(execFile)("bash", ["-euo", "pipefail", "-c", script], {
      encoding: "utf8",
      timeout: 30_000,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_SESSION_TOKEN: "",
      },
    });

    expect(out).toContain('"jobId":"SALES_2025_07"');
    expect(out).toContain('"status":"queued"');
    await tap.waitFor(
      (es) => es.some((e) => e.detail.jobId === "SALES_2025_07" && e.detailType === "ReportGenerated"),
      "ReportGenerated",
    );
  }, 60_000);
});
