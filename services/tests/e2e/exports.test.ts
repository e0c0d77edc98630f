/**
 * Tabular exports through the real worker on LocalStack with the embedded DuckDB: CSV, NDJSON and Parquet
 * written by DuckDB's COPY into the worker's spool file, uploaded, and announced with the object's exact
 * size, sha256 and row count. The Parquet object is read back with DuckDB and with pyarrow.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetailType } from "#events/names.js";
import { REPORT_CONTENT_TYPES, type ReportFormat } from "#events/report-job.schema.js";
import { submitReportJob } from "#events/submit-report-job.js";
import { createDuckDbWarehouse } from "#services/warehouse/duckdb-warehouse.js";
import type { RunningWorker } from "#services/worker/main.js";
import { pyarrowRead } from "../../../localstack/fakesnow/pyarrow-read.js";
import { createTestTopology, EventTap, type TestTopology } from "../../../localstack/testing.js";
import { readObject, salesJob, startTestWorker } from "./support.js";

const PARAMS = { from: "2025-07-01", to: "2025-07-31", granularity: "day" };

describe("tabular exports written by DuckDB (COPY) through the worker", () => {
  let t: TestTopology;
  let tap: EventTap;
  let worker: RunningWorker | undefined;
  const spool = mkdtempSync(join(tmpdir(), "exports-e2e-"));
  const objects = new Map<
    ReportFormat,
    { body: Buffer; detail: Record<string, unknown>; contentType?: string }
  >();

  beforeAll(async () => {
    t = await createTestTopology();
    tap = new EventTap(t.clients, t.provisioned.consumers.auditor.queueUrl);
    worker = await startTestWorker(t.provisioned.topology.prefix, { TMPDIR: spool });
    for (const format of ["csv", "ndjson", "parquet"] as const) {
      await submitReportJob(
        t.clients.sqs,
        t.provisioned.jobs.queueUrl,
        salesJob(`E2E_EXPORT_${format}`, { format, parameters: PARAMS }),
      );
    }
    await tap.waitFor(
      (es) => es.filter((e) => e.detailType === "ReportGenerated").length === 3,
      "three ReportGenerated",
    );
    for (const format of ["csv", "ndjson", "parquet"] as const) {
      const detail = tap.of(`E2E_EXPORT_${format}`, DetailType.ReportGenerated)[0]?.detail as Record<
        string,
        unknown
      >;
      const key = String(detail.key);
      const head = await t.clients.s3.send(new HeadObjectCommand({ Bucket: t.provisioned.bucket, Key: key }));
      objects.set(format, {
        body: await readObject(t.clients, t.provisioned.bucket, key),
        detail,
        ...(head.ContentType ? { contentType: head.ContentType } : {}),
      });
    }
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await tap?.stop();
    await t?.dispose();
    rmSync(spool, { recursive: true, force: true });
  });

  it("announces each object with its exact size, sha256 and row count, under the format's extension and type", () => {
    const days = (objects.get("ndjson")?.body.toString("utf8") ?? "").trimEnd().split("\n").length;
    expect(days).toBeGreaterThan(5);
    for (const [format, { body, detail, contentType }] of objects) {
      expect(detail.format).toBe(format);
      expect(String(detail.key).endsWith(`.${format}`)).toBe(true);
      expect(detail.sizeBytes).toBe(body.length);
      expect(detail.sha256).toBe(createHash("sha256").update(body).digest("hex"));
      expect(detail.rowCount).toBe(days);
      expect(contentType).toBe(REPORT_CONTENT_TYPES[format]);
    }
    const csv = objects.get("csv")?.body.toString("utf8").split("\r\n") ?? [];
    expect(csv[0]).toBe(
      "period,orders,units,revenue,cost,margin,margin_pct,unique_customers,avg_order_value",
    );
    expect(csv).toHaveLength(days + 2); // the header, a line a day, and the empty string after the last CRLF
  });

  it("leaves no spool file behind", () => {
    expect(readdirSync(join(spool, "report-pipeline"))).toEqual([]);
  });

  it("writes Parquet that DuckDB and pyarrow read back: the NDJSON rows, money as DECIMAL(38, 2)", async () => {
    const path = join(spool, "readback.parquet");
    writeFileSync(path, objects.get("parquet")?.body ?? Buffer.alloc(0));
    const ndjson = (objects.get("ndjson")?.body.toString("utf8") ?? "")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const duck = createDuckDbWarehouse({ sampleData: false });
    try {
      const { rows } = await duck.query(`SELECT * FROM read_parquet('${path}')`);
      expect(rows).toEqual(ndjson);
    } finally {
      await duck.close();
    }

    const arrow = pyarrowRead(path, 1000);

    rmSync(path);
    expect(arrow.num_rows).toBe(ndjson.length);
    expect(arrow.schema).toMatchObject({
      period: "string",
      revenue: "decimal128(38, 2)",
      margin_pct: "double",
    });
    // pyarrow's Decimal keeps the scale: "1234.50" where the NDJSON has the number 1234.5
    expect(arrow.rows.map((r) => Number(r.revenue))).toEqual(ndjson.map((r) => Number(r.revenue)));
    expect(arrow.rows.map((r) => r.period)).toEqual(ndjson.map((r) => r.period));
  });
});
