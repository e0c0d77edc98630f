/**
 * Job claims on S3: `_state/worker/jobs/<jobId>.json` (events/s3-layout.ts), created with
 * `If-None-Match: *` (one conditional PUT per new job); a 412 means the id is claimed, and the claim is
 * read back. An unreadable claim is a JobClaimInvalidError (the job is not run).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isAwsPreconditionFailed } from "#events/aws-errors.js";
import { jobClaimKey } from "#events/s3-layout.js";
import { JobClaimInvalidError } from "./errors.js";
import type { JobClaim, JobClaims } from "./job-claims.port.js";

export class S3JobClaims implements JobClaims {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async claim(claim: JobClaim): Promise<{ claimed: true } | { claimed: false; existing: JobClaim }> {
    const key = jobClaimKey(claim.jobId);
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(claim),
          ContentType: "application/json",
          IfNoneMatch: "*",
        }),
      );
      return { claimed: true };
    } catch (error) {
      // 412: claimed before. (409, a concurrent claim still in flight, is rethrown: the receive is retried.)
      if (!isAwsPreconditionFailed(error)) throw error;
    }
    return { claimed: false, existing: await this.read(key, claim.jobId) };
  }

  private async read(key: string, jobId: string): Promise<JobClaim> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const text = (await out.Body?.transformToString()) ?? "";
    let parsed: Partial<JobClaim>;
    try {
      parsed = JSON.parse(text) as Partial<JobClaim>;
    } catch (error) {
      throw new JobClaimInvalidError(`s3://${this.bucket}/${key}: not JSON`, { cause: error });
    }
    if (
      parsed.jobId !== jobId ||
      typeof parsed.contentHash !== "string" ||
      typeof parsed.claimedAt !== "string"
    ) {
      throw new JobClaimInvalidError(`s3://${this.bucket}/${key}: not a claim of job ${jobId}`);
    }
    return parsed as JobClaim;
  }
}
