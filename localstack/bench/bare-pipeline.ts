/**
 * The floor the benchmark compares the worker with: the same AWS calls a report job needs (receive, the
 * connectivity query on DuckDB, put object, put events, delete), made back to back with nothing else —
 * no validation, no idempotency check, no ReportStarted, no spooling or hashing, no logging.
 *
 * In process (`BarePipeline`) for P1 latency, with per-call timings; as a child process (this file run
 * directly) for P2 throughput, polling like the worker's consumer (same poller plan, same batch size), until
 * SIGTERM, then printing its counts and CPU time as one JSON line:
 *
 *   node --import tsx localstack/bench/bare-pipeline.ts --queue-url U --bucket B --bus N [--concurrency 4]
 */

import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { DetailType, EVENT_SOURCE } from "#events/names.js";
import { readSql } from "#services/reports/sql-files.js";
import type { Warehouse } from "#services/reports/warehouse.port.js";
import { type AwsClients, createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { pollerPlan } from "#services/shared/queue-consumer.js";
import { createDuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import { RequestCounter } from "./request-counter.js";

export interface BareTarget {
  queueUrl: string;
  bucket: string;
  busName: string;
}

/** Per-call wall times of one job, ms. */
export type CallTimings = Record<string, number>;

const CONNECTIVITY_SQL = readSql("reports/connectivity_test.sql");

export class BarePipeline {
  /** AWS calls made (for the emulator's calls/s). */
  calls = 0;
  jobs = 0;

  constructor(
    private readonly clients: Pick<AwsClients, "sqs" | "s3" | "events">,
    private readonly warehouse: Warehouse,
    private readonly target: BareTarget,
  ) {}

  async receive(max: number, waitSeconds: number): Promise<Message[]> {
    this.calls += 1;
    const out = await this.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.target.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        MessageAttributeNames: ["All"],
      }),
    );
    return out.Messages ?? [];
  }

  /**
   * One job: query, put object, put events, delete. With `workerExtras`, also what the worker does on top
   * (the claim: one conditional PUT; ReportStarted as a second entry of the same PutEvents; the warehouse
   * ping of the connectivity report), so a run with and without them attributes the worker's overhead to
   * calls versus code.
   */
  async process(message: Message, timings?: CallTimings, workerExtras = false): Promise<void> {
    const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        if (timings) timings[name] = (timings[name] ?? 0) + performance.now() - t0;
      }
    };
    const job = JSON.parse(message.Body ?? "{}") as { jobId: string; reportType: string };
    const key = `bench-bare/${job.jobId}.json`;
    if (workerExtras) {
      this.calls += 1;
      await time("extra_claim_put", () =>
        this.clients.s3.send(
          new PutObjectCommand({
            Bucket: this.target.bucket,
            Key: `bench-bare/_claims/${job.jobId}.json`,
            Body: JSON.stringify({ jobId: job.jobId, claimedAt: new Date().toISOString() }),
            ContentType: "application/json",
            IfNoneMatch: "*",
          }),
        ),
      );
      await time("extra_ping", () => this.warehouse.ping());
    }
    const { rows } = await time("query", () => this.warehouse.query(CONNECTIVITY_SQL));
    const body = JSON.stringify({
      report_type: "Connectivity Test Report",
      job_id: job.jobId,
      generated_at: new Date().toISOString(),
      parameters: {},
      summary: rows[0] ?? {},
      data: [{ name: "connectivity", rows }],
    });
    this.calls += 1;
    await time("put_object", () =>
      this.clients.s3.send(
        new PutObjectCommand({
          Bucket: this.target.bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
        }),
      ),
    );
    const generated = {
      detailType: DetailType.ReportGenerated,
      detail: {
        jobId: job.jobId,
        reportType: job.reportType,
        bucket: this.target.bucket,
        key,
        uri: `s3://${this.target.bucket}/${key}`,
        sizeBytes: Buffer.byteLength(body),
        rowCount: rows.length,
        summary: rows[0] ?? {},
      },
    };
    const started = { detailType: DetailType.ReportStarted, detail: { jobId: job.jobId, attempt: 1 } };
    await time("put_events", () => this.putEvents(workerExtras ? [started, generated] : [generated]));
    this.calls += 1;
    await time("delete_message", () =>
      this.clients.sqs.send(
        new DeleteMessageCommand({ QueueUrl: this.target.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      ),
    );
    this.jobs += 1;
  }

  private async putEvents(events: { detailType: string; detail: Record<string, unknown> }[]): Promise<void> {
    this.calls += 1;
    const out = await this.clients.events.send(
      new PutEventsCommand({
        Entries: events.map(({ detailType, detail }) => ({
          EventBusName: this.target.busName,
          Source: EVENT_SOURCE,
          DetailType: detailType,
          Detail: JSON.stringify({ schemaVersion: "1", eventId: `${detail.jobId}-${detailType}`, ...detail }),
        })),
      }),
    );
    if (out.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(out.Entries)}`);
  }
}

/** Child-process mode: poll like the worker until SIGTERM. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "queue-url": { type: "string" },
      bucket: { type: "string" },
      bus: { type: "string" },
      concurrency: { type: "string", default: "4" },
      "wait-seconds": { type: "string", default: "2" },
    },
  });
  const target: BareTarget = {
    queueUrl: values["queue-url"] ?? "",
    bucket: values.bucket ?? "",
    busName: values.bus ?? "",
  };
  if (!target.queueUrl || !target.bucket || !target.busName)
    throw new Error("--queue-url, --bucket and --bus are required");
  const clients = createAwsClients();
  const counter = new RequestCounter();
  counter.instrument(clients);
  const warehouse = createDuckDbWarehouse({ path: ":memory:", scale: 1 });
  await warehouse.ping();
  const bare = new BarePipeline(clients, warehouse, target);
  const { pollers, batchSize } = pollerPlan(Number(values.concurrency));
  const wait = Number(values["wait-seconds"]);
  let stopping = false;
  let errors = 0;
  const poller = async () => {
    while (!stopping) {
      try {
        const messages = await bare.receive(batchSize, wait);
        await Promise.all(messages.map((m) => bare.process(m)));
      } catch (error) {
        errors += 1;
        if (errors <= 5) console.error(`bare pipeline: ${(error as Error).message}`);
      }
    }
  };
  const loops = Array.from({ length: pollers }, poller);
  console.log("bare pipeline ready");
  process.once("SIGTERM", async () => {
    stopping = true;
    await Promise.all(loops);
    await warehouse.close();
    destroyAwsClients(clients);
    const cpu = process.cpuUsage();
    console.log(
      JSON.stringify({
        jobs: bare.jobs,
        calls: bare.calls,
        requests: counter.counts(),
        errors,
        cpu_seconds: (cpu.user + cpu.system) / 1e6,
      }),
    );
    process.exit(0);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
