/**
 * `ReportEventSubscription`: one EventBridge rule on the report-events bus that sends the report events a
 * team wants to one target — an SQS queue, another event bus, or an API destination — with a DLQ for
 * deliveries that exhausted their retries and a retry policy. The pattern comes from the contract's
 * names (`reportEventPattern`), never written by hand. For a queue target the queue's policy (and the
 * DLQ's) admits only this rule. Our own stack wires its consumers with it (components/messaging.ts);
 * another team's stack imports it from `@report-pipeline/events/pulumi`.
 *
 * @example
 * ```ts
 * import { ReportEventSubscription } from "@report-pipeline/events/pulumi";
 * const inbox = new aws.sqs.Queue("billing-reports", { sqsManagedSseEnabled: true });
 * new ReportEventSubscription("billing-generated", {
 *   eventBusName: "rp-prod-report-events",
 *   filter: { detailTypes: ["ReportGenerated"], reportTypes: ["sales"] },
 *   target: { queue: { arn: inbox.arn, url: inbox.url } },
 * });
 * ```
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type ReportEventFilter, reportEventPattern } from "#events/event-patterns.js";
import { assumeRolePolicy, policyDocument, policyJson } from "../iam.js";

/** A queue as the component needs it: its ARN (the target) and URL (for its policy). */
export interface QueueRef {
  arn: pulumi.Input<string>;
  url: pulumi.Input<string>;
}

/** Where matching events go: exactly one of a queue, a bus or an API destination. */
export type SubscriptionTarget =
  | { queue: QueueRef }
  /** Another bus (e.g. the team's own, in its account); the role may put events on it. */
  | { bus: { arn: pulumi.Input<string> }; roleArn?: pulumi.Input<string> }
  /** An EventBridge API destination (an HTTPS endpoint with its connection's auth). */
  | { apiDestination: { arn: pulumi.Input<string> }; roleArn?: pulumi.Input<string> };

export interface RetryPolicy {
  /** How long EventBridge keeps retrying a delivery, seconds (60 to 86400). */
  maximumEventAgeInSeconds: number;
  /** How many times it retries (0 to 185). */
  maximumRetryAttempts: number;
}

/**
 * EventBridge's longest retry: for up to a day (185 attempts); after that the event goes to the DLQ,
 * which an alarm should watch.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maximumEventAgeInSeconds: 24 * 3600,
  maximumRetryAttempts: 185,
};

/** How long the DLQ the component creates keeps a dead letter (14 days, SQS's maximum). */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

export interface ReportEventSubscriptionArgs {
  /** The report-events bus (`<prefix>-report-events`): its name, or its ARN. */
  eventBusName: pulumi.Input<string>;
  /** Which report events; absent: every pipeline event. Names come from the contract (DetailType, REPORT_TYPES). */
  filter?: ReportEventFilter;
  target: SubscriptionTarget;
  /** The rule's name (default: the component's name). */
  ruleName?: string;
  description?: string;
  /** The target id on the rule (default `<kind>-target`, e.g. `queue-target`). */
  targetId?: string;
  /** Where deliveries that exhausted the retries go; absent: a DLQ `<ruleName>-dlq` the component creates. */
  deadLetterQueue?: QueueRef;
  /** Default {@link DEFAULT_RETRY_POLICY}. */
  retryPolicy?: RetryPolicy;
  /**
   * Whether the component writes the queue policies (target queue, DLQ) that admit only its rule. Set false
   * when a queue's policy is managed elsewhere (an SQS queue has one policy): then add the same statement there.
   */
  manageQueuePolicies?: boolean;
  tags?: Record<string, string>;
  /**
   * Adopting resources a stack created before it used this component (same names, another parent):
   * that parent, so they are aliased instead of replaced.
   */
  previousParent?: pulumi.Resource;
}

type TargetKind = "queue" | "bus" | "api";

function kindOf(target: SubscriptionTarget): TargetKind {
  const kinds = (["queue", "bus", "apiDestination"] as const).filter((k) => k in target);
  if (kinds.length !== 1) {
    throw new Error(
      `target: must have exactly one of queue, bus, apiDestination; got ${kinds.join(", ") || "none"}`,
    );
  }
  return kinds[0] === "apiDestination" ? "api" : (kinds[0] as TargetKind);
}

function checkRetry(policy: RetryPolicy): RetryPolicy {
  const { maximumEventAgeInSeconds: age, maximumRetryAttempts: attempts } = policy;
  if (!Number.isInteger(age) || age < 60 || age > 86_400)
    throw new Error(`retryPolicy.maximumEventAgeInSeconds: must be an integer 60-86400, got ${age}`);
  if (!Number.isInteger(attempts) || attempts < 0 || attempts > 185)
    throw new Error(`retryPolicy.maximumRetryAttempts: must be an integer 0-185, got ${attempts}`);
  return { maximumEventAgeInSeconds: age, maximumRetryAttempts: attempts };
}

export class ReportEventSubscription extends pulumi.ComponentResource {
  readonly rule: aws.cloudwatch.EventRule;
  readonly target: aws.cloudwatch.EventTarget;
  /** The DLQ deliveries go to after the retries (the one given, or the one created). */
  readonly deadLetterQueueArn: pulumi.Output<string>;
  /** The DLQ the component created, when none was given. */
  readonly deadLetterQueue: aws.sqs.Queue | undefined;
  /** The role EventBridge delivers to a bus or API destination with, when the component created it. */
  readonly role: aws.iam.Role | undefined;

  constructor(name: string, args: ReportEventSubscriptionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:events:ReportEventSubscription", name, {}, opts);
    const kind = kindOf(args.target);
    const retryPolicy = checkRetry(args.retryPolicy ?? DEFAULT_RETRY_POLICY);
    const pattern = reportEventPattern(args.filter ?? {});
    const ruleName = args.ruleName ?? name;
    const tags = args.tags ?? {};
    const child: pulumi.CustomResourceOptions = {
      parent: this,
      ...(args.previousParent ? { aliases: [{ parent: args.previousParent }] } : {}),
    };

    this.rule = new aws.cloudwatch.EventRule(
      ruleName,
      {
        name: ruleName,
        description: args.description ?? `Report events ${JSON.stringify(pattern)}`,
        eventBusName: args.eventBusName,
        eventPattern: JSON.stringify(pattern),
        state: "ENABLED",
        tags,
      },
      child,
    );

    let dlq: QueueRef;
    if (args.deadLetterQueue) {
      dlq = args.deadLetterQueue;
    } else {
      this.deadLetterQueue = new aws.sqs.Queue(
        `${ruleName}-dlq`,
        {
          name: `${ruleName}-dlq`,
          messageRetentionSeconds: DLQ_RETENTION_SECONDS,
          sqsManagedSseEnabled: true,
          tags,
        },
        child,
      );
      dlq = { arn: this.deadLetterQueue.arn, url: this.deadLetterQueue.url };
    }
    this.deadLetterQueueArn = pulumi.output(dlq.arn);

    // Only this rule may send: to the target queue (deliveries) and to the DLQ (deliveries out of retries).
    if (args.manageQueuePolicies !== false) {
      const queues: [string, QueueRef][] = [["dlq", dlq]];
      if ("queue" in args.target) queues.unshift(["queue", args.target.queue]);
      for (const [suffix, q] of queues) {
        new aws.sqs.QueuePolicy(
          `${ruleName}-${suffix}-policy`,
          {
            queueUrl: q.url,
            policy: policyJson(
              policyDocument({
                Sid: "AllowRuleToSend",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: ["sqs:SendMessage"],
                Resource: [q.arn],
                Condition: { ArnEquals: { "aws:SourceArn": this.rule.arn } },
              }),
            ),
          },
          child,
        );
      }
    }

    const arn =
      "queue" in args.target
        ? args.target.queue.arn
        : "bus" in args.target
          ? args.target.bus.arn
          : args.target.apiDestination.arn;
    let roleArn: pulumi.Input<string> | undefined;
    if (!("queue" in args.target)) {
      roleArn = args.target.roleArn;
      if (roleArn === undefined) {
        this.role = this.deliveryRole(ruleName, kind, arn, tags, child);
        roleArn = this.role.arn;
      }
    }

    this.target = new aws.cloudwatch.EventTarget(
      `${ruleName}-${kind}-target`,
      {
        rule: this.rule.name,
        eventBusName: args.eventBusName,
        targetId: args.targetId ?? `${kind}-target`,
        arn,
        ...(roleArn !== undefined ? { roleArn } : {}),
        deadLetterConfig: { arn: dlq.arn },
        retryPolicy,
      },
      child,
    );

    this.registerOutputs({ ruleArn: this.rule.arn, deadLetterQueueArn: this.deadLetterQueueArn });
  }

  /** A role only this rule's deliveries assume, allowed one action on the one target. */
  private deliveryRole(
    ruleName: string,
    kind: TargetKind,
    targetArn: pulumi.Input<string>,
    tags: Record<string, string>,
    child: pulumi.CustomResourceOptions,
  ): aws.iam.Role {
    const role = new aws.iam.Role(
      `${ruleName}-target-role`,
      {
        name: `${ruleName}-target`.slice(0, 64),
        assumeRolePolicy: assumeRolePolicy("events.amazonaws.com", {
          ArnEquals: { "aws:SourceArn": this.rule.arn },
        }),
        tags,
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${ruleName}-target-policy`,
      {
        role: role.id,
        policy: policyJson(
          policyDocument({
            Sid: kind === "bus" ? "PutEventsOnTargetBus" : "InvokeApiDestination",
            Effect: "Allow",
            Action: [kind === "bus" ? "events:PutEvents" : "events:InvokeApiDestination"],
            Resource: [targetArn],
          }),
        ),
      },
      child,
    );
    return role;
  }
}
