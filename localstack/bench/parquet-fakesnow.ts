/**
 * Parquet from Snowflake rows, benchmarked (not a test): an N-row result (default 1,000,000) streamed from
 * a private fakesnow server through the Snowflake adapter (snowflake-sdk, the same wire protocol), encoded
 * by the JS Parquet writer (services/reports/render-parquet.ts, bounded row groups) and spooled to a file
 * with its sha256 (services/worker/temp-file.ts), as the worker does for a Snowflake Parquet job. The same
 * stream read without rendering is the baseline; the writer alone, on the same columns generated in process
 * (no warehouse), shows what the writer itself holds. Each phase runs in a child process that reports its
 * own rows/s and peak RSS. pyarrow reads the file back and must find N rows, or the run fails.
 *
 * The stream phases' RSS is mostly snowflake-sdk holding the result: fakesnow (node_compat_server.py) answers
 * with the whole rowset inline in one response, where Snowflake sends chunks the SDK fetches as it goes.
 *
 *   LOCAL_AWS_PORT=4567 npm run bench:parquet -- [--rows 1000000] [--group-rows 20000]
 *
 * Needs the local AWS up (the adapter reads its credentials from Secrets Manager, as in production). The
 * last line printed is one JSON object.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { PARQUET_ROW_GROUP_ROWS } from "#services/reports/render-parquet.js";
import type { ColumnInfo, Row } from "#services/reports/warehouse.port.js";
import { createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { startFakesnow } from "../fakesnow/fakesnow-server.js";
import { pyarrowRead } from "../fakesnow/pyarrow-read.js";
import { localAwsEnv } from "../local-aws.js";

const SELF = fileURLToPath(import.meta.url);

/** Columns of a sales line: an integer id, exact money (NUMBER(38,2)), text, a date, a double, a boolean. */
const SQL = `SELECT
  SEQ4() AS line_id,
  CAST(SEQ4() / 100 AS NUMBER(38, 2)) AS revenue,
  'customer ' || CAST(MOD(SEQ4(), 1000) AS VARCHAR) AS customer_name,
  DATEADD(day, MOD(SEQ4(), 365), CAST('2025-01-01' AS DATE)) AS order_date,
  CAST(SEQ4() AS DOUBLE) / 7 AS ratio,
  MOD(SEQ4(), 3) = 0 AS flagged
FROM TABLE(GENERATOR(ROWCOUNT => ?))`;

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    "group-rows": { type: "string", default: String(PARQUET_ROW_GROUP_ROWS) },
    phase: { type: "string" },
    "secret-id": { type: "string" },
    out: { type: "string" },
  },
});
const rows = Number(values.rows);
const groupRows = Number(values["group-rows"]);
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

interface PhaseResult {
  phase: string;
  rows: number;
  seconds: number;
  rows_per_second: number;
  peak_rss_mb: number;
  output_bytes?: number;
}

/** The SQL's columns as the Snowflake adapter reports them, and rows of the same shape, for the writer phase. */
const COLUMNS: ColumnInfo[] = [
  { name: "line_id", type: "fixed", precision: 38, scale: 0 },
  { name: "revenue", type: "fixed", precision: 38, scale: 2 },
  { name: "customer_name", type: "text" },
  { name: "order_date", type: "date" },
  { name: "ratio", type: "real" },
  { name: "flagged", type: "boolean" },
];
function* generatedRows(): Generator<Row> {
  for (let i = 0; i < rows; i += 1)
    yield {
      line_id: i,
      revenue: i / 100,
      customer_name: `customer ${i % 1000}`,
      order_date: "2025-03-04",
      ratio: i / 7,
      flagged: i % 3 === 0,
    };
}

async function runWriterPhase(): Promise<PhaseResult> {
  const { renderParquet } = await import("#services/reports/render-parquet.js");
  const { spoolToTempFile } = await import("#services/worker/temp-file.js");
  const t0 = performance.now();
  const file = await spoolToTempFile(
    renderParquet(generatedRows(), () => COLUMNS, groupRows),
    "bench-writer",
    values.out,
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    phase: "writer",
    rows,
    seconds: Math.round(seconds * 100) / 100,
    rows_per_second: Math.round(rows / seconds),
    peak_rss_mb: mb(process.resourceUsage().maxRSS * 1024),
    output_bytes: file.sizeBytes,
  };
}

async function runChildPhase(): Promise<PhaseResult> {
  if (values.phase === "writer") return runWriterPhase();
  const { createSnowflakeWarehouse } = await import("#services/warehouse/snowflake-warehouse.js");
  const aws = createAwsClients();
  const warehouse = createSnowflakeWarehouse({
    secretId: values["secret-id"] ?? "",
    secrets: aws.secrets,
    poolMax: 1,
  });
  await warehouse.ping();
  const t0 = performance.now();
  let count = 0;
  let outputBytes: number | undefined;
  const stream = warehouse.stream(SQL, [rows]);
  if (values.phase === "stream") {
    for await (const _row of stream) count += 1;
  } else {
    const { renderParquet } = await import("#services/reports/render-parquet.js");
    const { spoolToTempFile } = await import("#services/worker/temp-file.js");
    async function* counted() {
      for await (const row of stream) {
        count += 1;
        yield row;
      }
    }
    const file = await spoolToTempFile(
      renderParquet(counted(), () => stream.columns?.(), groupRows),
      "bench-parquet",
      values.out,
    );
    outputBytes = file.sizeBytes;
    console.error(`[parquet-fakesnow] wrote ${file.path} (${file.sizeBytes} bytes, sha256 ${file.sha256})`);
    console.log(`FILE ${file.path}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  await warehouse.close();
  destroyAwsClients(aws);
  return {
    phase: values.phase ?? "",
    rows: count,
    seconds: Math.round(seconds * 100) / 100,
    rows_per_second: Math.round(count / seconds),
    peak_rss_mb: mb(process.resourceUsage().maxRSS * 1024),
    ...(outputBytes !== undefined ? { output_bytes: outputBytes } : {}),
  };
}

function phase(name: string, secretId: string, out: string): Promise<{ result: PhaseResult; file?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        SELF,
        "--phase",
        name,
        "--secret-id",
        secretId,
        "--out",
        out,
        "--rows",
        String(rows),
        "--group-rows",
        String(groupRows),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const lines = stdout.trim().split("\n");
      if (code !== 0) return reject(new Error(`phase ${name} exited ${code}: ${lines.at(-1)}`));
      const file = lines.find((l) => l.startsWith("FILE "))?.slice(5);
      resolve({ result: JSON.parse(lines.at(-1) ?? "{}") as PhaseResult, ...(file ? { file } : {}) });
    });
  });
}

async function main() {
  for (const [k, v] of Object.entries(localAwsEnv())) process.env[k] ??= v;
  const server = await startFakesnow();
  const aws = createAwsClients();
  const secretId = `bench/parquet-fakesnow-${randomBytes(4).toString("hex")}`;
  const out = mkdtempSync(join(tmpdir(), "parquet-fakesnow-"));
  try {
    await aws.secrets.send(
      new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify(server.secretPayload()) }),
    );
    const stream = await phase("stream", secretId, out);
    console.error(`[parquet-fakesnow] stream only ${JSON.stringify(stream.result)}`);
    const parquet = await phase("parquet", secretId, out);
    console.error(`[parquet-fakesnow] parquet ${JSON.stringify(parquet.result)}`);
    const writer = await phase("writer", secretId, out);
    console.error(`[parquet-fakesnow] writer alone ${JSON.stringify(writer.result)}`);
    const arrow = pyarrowRead(parquet.file ?? "", 2);
    if (arrow.num_rows !== rows) throw new Error(`pyarrow read ${arrow.num_rows} rows, expected ${rows}`);
    console.log(
      JSON.stringify({
        rows,
        row_group_rows: groupRows,
        parquet_rows_per_s: parquet.result.rows_per_second,
        parquet_peak_rss_mb: parquet.result.peak_rss_mb,
        parquet_bytes: parquet.result.output_bytes,
        stream_only_rows_per_s: stream.result.rows_per_second,
        stream_only_peak_rss_mb: stream.result.peak_rss_mb,
        writer_only_rows_per_s: writer.result.rows_per_second,
        writer_only_peak_rss_mb: writer.result.peak_rss_mb,
        parquet_vs_stream_only:
          Math.round((parquet.result.rows_per_second / stream.result.rows_per_second) * 100) / 100,
        pyarrow: {
          num_rows: arrow.num_rows,
          row_groups: arrow.row_groups,
          schema: arrow.schema,
          first: arrow.rows[0],
        },
      }),
    );
  } finally {
    await aws.secrets
      .send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }))
      .catch(() => undefined);
    destroyAwsClients(aws);
    await server.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

if (values.phase) console.log(JSON.stringify(await runChildPhase()));
else await main();
