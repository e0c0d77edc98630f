/**
 * S3 adapter of the report store. Uploads with `If-None-Match: *`, so the first writer wins; the report's
 * facts ride along as object metadata (S3 allows 2 KB of it; a summary that does not fit is stored as
 * `{"_truncated": true}` and the report itself still has it).
 *
 * The spool file is uploaded from the file, never from a buffer of it: up to one part size as a single
 * PutObject with the file's sha256 as ChecksumSHA256 (S3 refuses bytes that do not match), larger as a
 * multipart upload whose every part is its own read stream over a byte range of the file (CRC32 per part),
 * `PART_CONCURRENCY` at a time, the condition on CompleteMultipartUpload. Memory per upload is a few read
 * buffers whatever the size. A small report the worker kept in memory (temp-file.ts `spoolReport`) goes
 * in one PutObject from its bytes, with the same ChecksumSHA256. (`@aws-sdk/lib-storage` re-chunks a stream into part-size Buffers and keeps the
 * previous part's concatenation alive, which at 16 MiB parts was ~50 MB of a 256 MB budget.)
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { isAwsNotFound, isAwsPreconditionFailed } from "#events/aws-errors.js";
import { REPORT_FORMATS, type ReportFormat } from "#events/report-job.schema.js";
import type { LocalReportFile, ReportContent, ReportStore, StoredReportFacts } from "./report-store.port.js";

const MAX_SUMMARY_METADATA = 1200;
/** S3's smallest part (but the last) is 5 MiB. */
const MIN_PART_SIZE = 5 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;
const PART_CONCURRENCY = 2;

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

export interface S3ReportStoreOptions {
  /** Multipart part size in bytes (at least 5 MiB); files up to it go in one PutObject. Default 8 MiB. */
  partSize?: number;
}

export class S3ReportStore implements ReportStore {
  private readonly partSize: number;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    options: S3ReportStoreOptions = {},
  ) {
    this.partSize = options.partSize ?? PART_SIZE;
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE)
      throw new RangeError(`partSize: must be an integer of at least ${MIN_PART_SIZE} bytes`);
  }

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
    file: ReportContent,
    facts: StoredReportFacts,
  ): Promise<"created" | "exists"> {
    const object = {
      Bucket: this.bucket,
      Key: key,
      ContentType: facts.contentType,
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
    };
    try {
      if ("bytes" in file || file.sizeBytes <= this.partSize) {
        await this.s3.send(
          new PutObjectCommand({
            ...object,
            Body: "bytes" in file ? file.bytes : await readFile(file.path),
            ContentLength: file.sizeBytes,
            ChecksumSHA256: Buffer.from(file.sha256, "hex").toString("base64"),
            IfNoneMatch: "*",
          }),
        );
      } else {
        await this.putMultipart(object, file);
      }
      return "created";
    } catch (error) {
      // 412: another writer got there first. (409, a concurrent conditional write still in progress, is
      // rethrown: the job is retried and then finds the object.)
      if (isAwsPreconditionFailed(error)) return "exists";
      throw error;
    }
  }

  private async putMultipart(
    object: { Bucket: string; Key: string; ContentType: string; Metadata: Record<string, string> },
    file: LocalReportFile,
  ): Promise<void> {
    const { UploadId } = await this.s3.send(
      new CreateMultipartUploadCommand({ ...object, ChecksumAlgorithm: "CRC32" }),
    );
    const target = { Bucket: object.Bucket, Key: object.Key, UploadId };
    try {
      const count = Math.ceil(file.sizeBytes / this.partSize);
      const parts: CompletedPart[] = new Array(count);
      let next = 0;
      const uploader = async () => {
        for (let index = next++; index < count; index = next++) {
          const start = index * this.partSize;
          const end = Math.min(start + this.partSize, file.sizeBytes); // exclusive
          const out = await this.s3.send(
            new UploadPartCommand({
              ...target,
              PartNumber: index + 1,
              Body: createReadStream(file.path, { start, end: end - 1 }),
              ContentLength: end - start,
              ChecksumAlgorithm: "CRC32",
            }),
          );
          parts[index] = { PartNumber: index + 1, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 };
        }
      };
      await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, count) }, uploader));
      await this.s3.send(
        new CompleteMultipartUploadCommand({
          ...target,
          MultipartUpload: { Parts: parts },
          IfNoneMatch: "*",
        }),
      );
    } catch (error) {
      await this.s3.send(new AbortMultipartUploadCommand(target)).catch(() => undefined);
      throw error;
    }
  }
}
