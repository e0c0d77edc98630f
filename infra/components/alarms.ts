/**
 * Alarms to the alarm topic: any dead letter (every DLQ), the age of the oldest waiting job, and the
 * worker's error rate computed from the metrics it emits in CloudWatch Embedded Metric Format.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The worker's EMF metrics as `services/worker/process-job.ts` emits them: a `Jobs` count per finished
 * attempt in namespace `ReportPipeline`, dimensions `Service=report-worker` and `Outcome`.
 * Errors are failed, dead-lettered and retried attempts; rejected messages are the producer's error, not
 * the worker's, and count on neither side.
 */
export const WORKER_EMF = {
  namespace: "ReportPipeline",
  metricName: "Jobs",
  service: "report-worker",
  errorOutcomes: ["failed", "dead-lettered", "retrying"],
  successOutcomes: ["generated"],
} as const;

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

    const outcomes = [...WORKER_EMF.errorOutcomes, ...WORKER_EMF.successOutcomes];
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
              namespace: WORKER_EMF.namespace,
              metricName: WORKER_EMF.metricName,
              dimensions: { Service: WORKER_EMF.service, Outcome: outcome },
              period: 300,
              stat: "Sum",
            },
          })),
          {
            id: "errorRate",
            expression: `100 * (${filled(WORKER_EMF.errorOutcomes)}) / (${filled(outcomes)})`,
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
