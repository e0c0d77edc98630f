/**
 * SNS topics: the report notifications topic the notifier publishes to, and the alarm topic every
 * CloudWatch alarm sends to. Both encrypted with the pipeline's customer-managed key (topic-key.ts: the
 * AWS-managed SNS key would silently drop every alarm); subscribers from stack config.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface TopicArgs {
  topicName: string;
  /** ARN of the KMS key the topic is encrypted with (TopicKey). */
  kmsKeyArn: pulumi.Input<string>;
  emails: string[];
  httpsEndpoints?: string[];
  tags: Record<string, string>;
}

export class NotificationTopic extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;

  constructor(name: string, args: TopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:NotificationTopic", name, {}, opts);
    const parent = { parent: this };
    this.topic = new aws.sns.Topic(
      args.topicName,
      { name: args.topicName, kmsMasterKeyId: args.kmsKeyArn, tags: args.tags },
      parent,
    );
    // Email and HTTPS subscriptions stay pending until the endpoint confirms; that is the point.
    args.emails.forEach((email, i) => {
      new aws.sns.TopicSubscription(
        `${args.topicName}-email-${i}`,
        { topic: this.topic.arn, protocol: "email", endpoint: email },
        parent,
      );
    });
    (args.httpsEndpoints ?? []).forEach((url, i) => {
      new aws.sns.TopicSubscription(
        `${args.topicName}-https-${i}`,
        { topic: this.topic.arn, protocol: "https", endpoint: url, rawMessageDelivery: false },
        parent,
      );
    });
    this.registerOutputs({ topicArn: this.topic.arn });
  }
}
