/**
 * The status ports on S3: the audit trail as paginated ListObjectsV2 + GetObject, the index documents
 * through the read-modify-write with If-Match the organizer uses (services/consumers/s3-json-document.ts).
 */
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { readJson, updateJson } from "#services/consumers/s3-json-document.js";
import type { AuditTrail, JsonDocuments } from "./audit-trail.port.js";
import type { ReplayPorts } from "./replay.js";

export class S3AuditTrail implements AuditTrail {
  readonly location: string;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {
    this.location = `s3://${bucket}/`;
  }

  async *keys(prefix: string): AsyncIterable<string> {
    for await (const page of paginateListObjectsV2(
      { client: this.s3 },
      { Bucket: this.bucket, Prefix: prefix },
    )) {
      for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
    }
  }

  async text(key: string): Promise<string> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return (await out.Body?.transformToString()) ?? "";
  }
}

export class S3JsonDocuments implements JsonDocuments {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async read<T>(key: string): Promise<T | undefined> {
    return (await readJson<T>(this.s3, this.bucket, key))?.value;
  }

  async update<T>(key: string, change: (current: T | undefined) => T | undefined): Promise<boolean> {
    return (await updateJson<T>(this.s3, this.bucket, key, change)).changed;
  }
}

/** Both status ports on one bucket. */
export function s3StatusPorts(s3: S3Client, bucket: string): ReplayPorts {
  return { trail: new S3AuditTrail(s3, bucket), documents: new S3JsonDocuments(s3, bucket) };
}
