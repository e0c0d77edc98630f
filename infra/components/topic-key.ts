/**
 * The customer-managed KMS key both SNS topics are encrypted with. The AWS-managed `alias/aws/sns` key
 * cannot be used: its key policy is fixed and does not let CloudWatch alarms (or EventBridge) generate the
 * data key SNS needs to store a message, so every alarm action fails with "CloudWatch Alarms does not have
 * authorization to access the SNS topic encryption key" and no alarm is ever delivered.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type PolicyStatement, policyDocument, policyJson } from "../iam.js";

/** Services that publish to the topics themselves (alarm actions; rules that target a topic), by Sid. */
export const TOPIC_PUBLISHING_SERVICES = {
  AlarmsPublish: "cloudwatch.amazonaws.com",
  EventsPublish: "events.amazonaws.com",
} as const;

/** What a publisher needs on the key: SNS generates a data key per message and checks it with Decrypt. */
export const TOPIC_KEY_PUBLISH_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"] as const;

export interface TopicKeyArgs {
  prefix: string;
  accountId: pulumi.Input<string>;
  tags: Record<string, string>;
}

export class TopicKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly alias: aws.kms.Alias;

  constructor(name: string, args: TopicKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:TopicKey", name, {}, opts);
    const parent = { parent: this };
    const services: PolicyStatement[] = Object.entries(TOPIC_PUBLISHING_SERVICES).map(([sid, service]) => ({
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: service },
      // GenerateDataKey* as AWS documents it for alarm actions on encrypted topics.
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      // In a key policy "*" means this key.
      Resource: ["*"],
      // Only on behalf of this account, so another account's alarms cannot use the key (confused deputy).
      Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
    }));
    this.key = new aws.kms.Key(
      `${args.prefix}-topics`,
      {
        description: `Encrypts the ${args.prefix} SNS topics (notifications, alarms)`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: policyJson(
          policyDocument(
            {
              // Without it nobody could ever change or schedule deletion of the key: IAM policies only
              // take effect on a key whose key policy delegates to the account.
              Sid: "AccountAdministers",
              Effect: "Allow",
              Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.accountId}:root` },
              Action: ["kms:*"],
              Resource: ["*"],
            },
            ...services,
          ),
        ),
        tags: args.tags,
      },
      parent,
    );
    this.alias = new aws.kms.Alias(
      `${args.prefix}-topics-alias`,
      { name: `alias/${args.prefix}-topics`, targetKeyId: this.key.arn },
      parent,
    );
    this.registerOutputs({ keyArn: this.key.arn });
  }
}
