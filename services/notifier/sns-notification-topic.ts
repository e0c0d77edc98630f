/** The notifications topic on SNS: subject (≤ 100 characters), text and filterable string attributes. */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { NotificationTopic } from "./notifier-ports.js";

export class SnsNotificationTopic implements NotificationTopic {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(message: {
    subject: string;
    text: string;
    attributes: Record<string, string>;
  }): Promise<string> {
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: message.subject.slice(0, 100),
        Message: message.text,
        MessageAttributes: Object.fromEntries(
          Object.entries(message.attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }]),
        ),
      }),
    );
    return out.MessageId ?? "?";
  }
}
