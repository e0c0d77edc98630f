/**
 * S3 adapter of the report store. Uploads with `If-None-Match: *` (single PUT or multipart through
 * `@aws-sdk/lib-storage`, which carries the condition to CompleteMultipartUpload), so the first writer
 * wins; the report's facts ride along as object metadata (S3 allows 2 KB of it; a summary that does not
 * fit is stored as `{"_truncated": true}` and the report itself still has it).
 */
import { createReadStream } from "node:fs";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { isAwsNotFound, isAwsPreconditionFailed } from "#events/aws-errors.js";
import { REPORT_FORMATS, type ReportFormat } from "#events/report-job.schema.js";
import type { LocalReportFile, ReportStore, StoredReportFacts } from "./report-store.port.js";

const MAX_SUMMARY_METADATA = 1200;
const PART_SIZE = 16 * 1024 * 1024;

function encodeSummary(summary: Record<string, unknown>): string {
  const json = Buffer.from(JSON.stringify(summary)).toString("base64url");
  return json.length <= MAX_SUMMARY_METADATA
    ? json
    : Buffer.from(JSON.stringify({ _truncated: true })).toString("base64url");
}

function decodeJson<T>(raw: string | undefined, fallback: T): T {
  if (!raw) return fallback;
  try {
    return JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as T;
  } catch {
    return fallback;
  }
}

export class S3ReportStore implements ReportStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async head(key: string): Promise<StoredReportFacts | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const m = out.Metadata ?? {};
      const format = (REPORT_FORMATS as readonly string[]).includes(m.format ?? "")
        ? (m.format as ReportFormat)
        : "json";
      return {
        sha256: m.sha256 ?? "",
        sizeBytes: out.ContentLength ?? Number(m["size-bytes"] ?? 0),
        rowCount: Number(m["row-count"] ?? 0),
        queryIds: decodeJson<string[]>(m["query-ids"], []),
        summary: decodeJson<Record<string, unknown>>(m.summary, {}),
        generatedAt: m["generated-at"] ?? out.LastModified?.toISOString() ?? new Date(0).toISOString(),
        durationMs: Number(m["duration-ms"] ?? 0),
        format,
        contentType: out.ContentType ?? "application/octet-stream",
        attempt: Number(m.attempt ?? 1),
      };
    } catch (error) {
      if (isAwsNotFound(error)) return undefined;
      throw error;
    }
  }

  async putIfAbsent(
    key: string,
    file: LocalReportFile,
    facts: StoredReportFacts,
  ): Promise<"created" | "exists"> {
    const upload = new Upload({
      client: this.s3,
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: createReadStream(file.path),
        ContentLength: file.sizeBytes,
        ContentType: facts.contentType,
        IfNoneMatch: "*",
        Metadata: {
          sha256: facts.sha256,
          "size-bytes": String(facts.sizeBytes),
          "row-count": String(facts.rowCount),
          "query-ids": Buffer.from(JSON.stringify(facts.queryIds.slice(0, 20))).toString("base64url"),
          summary: encodeSummary(facts.summary),
          "generated-at": facts.generatedAt,
          "duration-ms": String(facts.durationMs),
          format: facts.format,
          attempt: String(facts.attempt),
        },
      },
    });
    try {
      await upload.done();
      return "created";
    } catch (error) {
      // 412: another writer got there first. (409, a concurrent conditional write still in progress, is
      // rethrown: the job is retried and then finds the object.)
      if (isAwsPreconditionFailed(error)) return "exists";
      throw error;
    }
  }
}
