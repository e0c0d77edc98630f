/** The audit store on S3: a conditional PutObject (`If-None-Match: *`), so a second write is a no-op. */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isAwsPreconditionFailed } from "#events/aws-errors.js";
import type { AuditStore } from "./audit-store.port.js";

export class S3AuditStore implements AuditStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async putOnce(key: string, body: string): Promise<"written" | "existed"> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
          IfNoneMatch: "*",
        }),
      );
      return "written";
    } catch (error) {
      if (isAwsPreconditionFailed(error)) return "existed";
      throw error;
    }
  }
}
