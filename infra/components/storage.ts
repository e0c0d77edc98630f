/**
 * The reports bucket: SSE, versioning, public access blocked, TLS only, bucket-owner ownership, and a
 * lifecycle built on the S3 layout in events/ (generated/ is scratch space, reports/ ages to colder tiers).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  AUDIT_PREFIX,
  GENERATED_PREFIX,
  REPORTS_PREFIX,
  STATE_PREFIX,
  STATEMENTS_PREFIX,
} from "#events/s3-layout.js";
import { policyDocument, policyJson } from "../iam.js";

export interface StorageArgs {
  bucketName: string;
  /** Days after which reports/ moves to STANDARD_IA, then to GLACIER_IR. */
  reportsInfrequentAccessDays: number;
  reportsGlacierDays: number;
  /** Days a replaced or deleted version is kept. */
  noncurrentVersionDays: number;
  /** Protect the bucket from `pulumi destroy` and replacement (it is always retained on delete). */
  protect: boolean;
  tags: Record<string, string>;
}

/** Worker output only lives until the organizer moved it; anything left after a day is an orphan. */
export const GENERATED_EXPIRY_DAYS = 1;
/** Days a statement's recorded query id is kept (Snowflake keeps a query's result for 24 hours). */
export const STATEMENT_LEDGER_EXPIRY_DAYS = 2;
/**
 * Days a replaced or deleted _state/ object (claims, ledgers) is kept. The ledgers are written and deleted
 * per event, so with versioning on, without this their old versions and delete markers pile up forever.
 */
export const STATE_NONCURRENT_VERSION_DAYS = 7;

export class ReportStorage extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:ReportStorage", name, {}, opts);
    const parent = { parent: this };
    const n = args.bucketName;

    // Reports and the audit trail outlive the stack: a destroy, or a change that would replace the bucket,
    // leaves it in place (and on protected stacks is refused).
    this.bucket = new aws.s3.Bucket(
      n,
      { bucket: n, tags: args.tags },
      { parent: this, retainOnDelete: true, protect: args.protect },
    );
    const bucket = this.bucket.id;

    new aws.s3.BucketOwnershipControls(
      `${n}-ownership`,
      { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${n}-public-access`,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${n}-sse`,
      { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      parent,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${n}-versioning`,
      { bucket, versioningConfiguration: { status: "Enabled" } },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${n}-policy`,
      {
        bucket,
        policy: policyJson(
          policyDocument({
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:*"],
            Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ),
      },
      // The public access block must exist first, or a policy with a `*` principal is briefly evaluated without it.
      { parent: this, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${n}-lifecycle`,
      {
        bucket,
        rules: [
          {
            id: "expire-generated",
            status: "Enabled",
            filter: { prefix: GENERATED_PREFIX },
            expiration: { days: GENERATED_EXPIRY_DAYS },
            noncurrentVersionExpiration: { noncurrentDays: GENERATED_EXPIRY_DAYS },
            abortIncompleteMultipartUpload: { daysAfterInitiation: GENERATED_EXPIRY_DAYS },
          },
          {
            id: "age-reports",
            status: "Enabled",
            filter: { prefix: REPORTS_PREFIX },
            transitions: [
              { days: args.reportsInfrequentAccessDays, storageClass: "STANDARD_IA" },
              { days: args.reportsGlacierDays, storageClass: "GLACIER_IR" },
            ],
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
          {
            // A statement's query id is worth keeping only while Snowflake keeps its result (24 h).
            id: "expire-statement-ledger",
            status: "Enabled",
            filter: { prefix: STATEMENTS_PREFIX },
            expiration: { days: STATEMENT_LEDGER_EXPIRY_DAYS },
            noncurrentVersionExpiration: { noncurrentDays: 1 },
          },
          {
            // Only old versions and leftover delete markers: current claims and ledger entries stay (the
            // statement ledger's own rule above expires those, and its shorter noncurrent days win there).
            id: "expire-state-history",
            status: "Enabled",
            filter: { prefix: STATE_PREFIX },
            noncurrentVersionExpiration: { noncurrentDays: STATE_NONCURRENT_VERSION_DAYS },
            expiration: { expiredObjectDeleteMarker: true },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
          {
            // The audit trail is never expired; it only moves to a cheaper tier.
            id: "age-audit",
            status: "Enabled",
            filter: { prefix: AUDIT_PREFIX },
            transitions: [{ days: args.reportsGlacierDays, storageClass: "GLACIER_IR" }],
          },
        ],
      },
      // Lifecycle rules on noncurrent versions need versioning in place.
      { parent: this, dependsOn: [versioning] },
    );

    this.registerOutputs({ bucketName: this.bucket.bucket, bucketArn: this.bucket.arn });
  }
}
