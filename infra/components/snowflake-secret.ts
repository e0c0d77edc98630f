/**
 * The one Secrets Manager secret holding the Snowflake credentials. Only the secret resource is created:
 * its value is put out of band (`aws secretsmanager put-secret-value`, see infra README), so it never
 * appears in code, in stack config or in Pulumi state. Rotation is wired when a rotation Lambda is given.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface SnowflakeSecretArgs {
  secretName: string;
  recoveryWindowDays: number;
  rotationLambdaArn?: string;
  rotationDays: number;
  /** Protect the secret from `pulumi destroy` and replacement (it is always retained on delete). */
  protect: boolean;
  tags: Record<string, string>;
}

export class SnowflakeSecret extends pulumi.ComponentResource {
  readonly secret: aws.secretsmanager.Secret;

  constructor(name: string, args: SnowflakeSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:SnowflakeSecret", name, {}, opts);
    this.secret = new aws.secretsmanager.Secret(
      args.secretName,
      {
        name: args.secretName,
        description:
          "Snowflake credentials for the report worker: JSON {account, user, privateKey|password, warehouse, database, role} (services/warehouse/snowflake-credentials.ts). Value set out of band.",
        recoveryWindowInDays: args.recoveryWindowDays,
        tags: args.tags,
      },
      // Its value is put out of band: deleting the resource would lose the credentials with it.
      { parent: this, retainOnDelete: true, protect: args.protect },
    );
    if (args.rotationLambdaArn) {
      new aws.secretsmanager.SecretRotation(
        `${args.secretName}-rotation`,
        {
          secretId: this.secret.id,
          rotationLambdaArn: args.rotationLambdaArn,
          rotationRules: { automaticallyAfterDays: args.rotationDays },
        },
        { parent: this },
      );
    }
    this.registerOutputs({ secretArn: this.secret.arn });
  }
}
