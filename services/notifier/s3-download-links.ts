/** Download links as S3 presigned GET URLs (signed locally; no request is made). */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { DownloadLinks } from "./notifier-ports.js";

export class S3DownloadLinks implements DownloadLinks {
  constructor(private readonly s3: S3Client) {}

  link(bucket: string, key: string, expiresSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: expiresSeconds,
    });
  }
}
