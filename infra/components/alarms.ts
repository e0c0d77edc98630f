/**
 * Alarms to the alarm topic: any dead letter (every DLQ), the age of the oldest waiting job, and the
 * worker's error rate computed from the metrics it emits in CloudWatch Embedded Metric Format.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { METRICS_NAMESPACE, WORKER_METRICS, type WorkerOutcome } from "#services/shared/metrics.js";

/**
 * How the worker's attempts count for its error rate (metric names and dimensions: `WORKER_METRICS`, which
 * the worker emits with). Errors are failed, dead-lettered and retried attempts; rejected messages are the
 * producer's error, not the worker's, and count on neither side.
 */
export const WORKER_ERROR_RATE = {
  errorOutcomes: ["failed", "dead-lettered", "retrying"],
  successOutcomes: ["generated"],
} as const satisfies Record<string, readonly WorkerOutcome[]>;

export interface AlarmsArgs {
  prefix: string;
  alarmTopicArn: pulumi.Input<string>;
  /** Every DLQ by its queue name (known at build time from the topology). */
  dlqNames: string[];
  jobsQueueName: string;
  dlqDepthThreshold: number;
  oldestJobAgeSeconds: number;
  workerErrorRatePercent: number;
  evaluationPeriods: number;
  tags: Record<string, string>;
}

export class PipelineAlarms extends pulumi.ComponentResource {
  readonly dlqAlarms: aws.cloudwatch.MetricAlarm[];
  readonly oldestJobAlarm: aws.cloudwatch.MetricAlarm;
  readonly workerErrorRateAlarm: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:PipelineAlarms", name, {}, opts);
    const parent = { parent: this };
    const actions = { alarmActions: [args.alarmTopicArn], okActions: [args.alarmTopicArn] };

    this.dlqAlarms = args.dlqNames.map(
      (dlqName) =>
        new aws.cloudwatch.MetricAlarm(
          `${dlqName}-depth`,
          {
            name: `${dlqName}-depth`,
            alarmDescription: `Dead letters in ${dlqName}: inspect, fix, then redrive`,
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: { QueueName: dlqName },
            statistic: "Maximum",
            period: 60,
            evaluationPeriods: 1,
            threshold: args.dlqDepthThreshold,
            comparisonOperator: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
            ...actions,
            tags: args.tags,
          },
          parent,
        ),
    );

    this.oldestJobAlarm = new aws.cloudwatch.MetricAlarm(
      `${args.jobsQueueName}-oldest-age`,
      {
        name: `${args.jobsQueueName}-oldest-age`,
        alarmDescription: `Jobs wait longer than ${args.oldestJobAgeSeconds}s: workers are stuck or too few`,
        namespace: "AWS/SQS",
        metricName: "ApproximateAgeOfOldestMessage",
        dimensions: { QueueName: args.jobsQueueName },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: args.evaluationPeriods,
        threshold: args.oldestJobAgeSeconds,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        ...actions,
        tags: args.tags,
      },
      parent,
    );

    const { errorOutcomes, successOutcomes } = WORKER_ERROR_RATE;
    const outcomes = [...errorOutcomes, ...successOutcomes];
    const metricId = (outcome: string) => outcome.replaceAll("-", "_");
    const filled = (list: readonly string[]) => list.map((o) => `FILL(${metricId(o)}, 0)`).join(" + ");
    this.workerErrorRateAlarm = new aws.cloudwatch.MetricAlarm(
      `${args.prefix}-worker-error-rate`,
      {
        name: `${args.prefix}-worker-error-rate`,
        alarmDescription: `More than ${args.workerErrorRatePercent}% of report job attempts failed`,
        metricQueries: [
          ...outcomes.map((outcome) => ({
            id: metricId(outcome),
            returnData: false,
            metric: {
              namespace: METRICS_NAMESPACE,
              metricName: WORKER_METRICS.names.jobs,
              dimensions: {
                [WORKER_METRICS.dimensions.service]: WORKER_METRICS.service,
                [WORKER_METRICS.dimensions.outcome]: outcome,
              },
              period: 300,
              stat: "Sum",
            },
          })),
          {
            id: "errorRate",
            expression: `100 * (${filled(errorOutcomes)}) / (${filled(outcomes)})`,
            label: "worker error rate (%)",
            returnData: true,
          },
        ],
        evaluationPeriods: args.evaluationPeriods,
        threshold: args.workerErrorRatePercent,
        comparisonOperator: "GreaterThanThreshold",
        // No jobs at all is not an error.
        treatMissingData: "notBreaching",
        ...actions,
        tags: args.tags,
      },
      parent,
    );

    this.registerOutputs({});
  }
}
