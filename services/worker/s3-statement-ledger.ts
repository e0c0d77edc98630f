/**
 * The statement ledger on S3: `_state/worker/statements/<jobId>/<file>-<digest>.json` (events/s3-layout.ts)
 * holds the Snowflake query id of a job's statement, written when the statement starts, read when the job
 * is received again (the Snowflake adapter then re-attaches instead of running it twice). Losing an entry
 * costs a second run, never a wrong result: the ledger only ever names a statement of the same SQL and binds.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isAwsNotFound } from "#events/aws-errors.js";
import { statementKey } from "#events/s3-layout.js";
import type { StatementLedger } from "#services/reports/warehouse.port.js";

/**
 * Snowflake keeps a query's result for 24 hours: a statement started longer ago than this is not re-attached
 * (its status may still say SUCCESS while its result is gone), it runs again.
 */
export const REATTACH_WITHIN_MS = 23 * 3_600_000;

const RESUME_KEY = /^[A-Za-z0-9_-]{1,128}\/[a-z0-9_]{1,64}-[0-9a-f]{16}$/;
const QUERY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class S3StatementLedger implements StatementLedger {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(resumeKey: string): Promise<string | undefined> {
    if (!RESUME_KEY.test(resumeKey)) return undefined;
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: statementKey(resumeKey) }),
      );
      const parsed = JSON.parse((await out.Body?.transformToString()) ?? "") as {
        queryId?: unknown;
        startedAt?: unknown;
      };
      const startedAt = typeof parsed.startedAt === "string" ? Date.parse(parsed.startedAt) : Number.NaN;
      if (!(this.now() - startedAt <= REATTACH_WITHIN_MS)) return undefined; // too old, or no time: run again
      return typeof parsed.queryId === "string" && QUERY_ID.test(parsed.queryId) ? parsed.queryId : undefined;
    } catch (error) {
      if (isAwsNotFound(error) || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  async put(resumeKey: string, queryId: string): Promise<void> {
    if (!RESUME_KEY.test(resumeKey))
      throw new Error(`not a statement resume key: ${resumeKey.slice(0, 200)}`);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: statementKey(resumeKey),
        Body: JSON.stringify({ queryId, startedAt: new Date(this.now()).toISOString() }),
        ContentType: "application/json",
      }),
    );
  }
}
