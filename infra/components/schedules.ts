/**
 * EventBridge Scheduler schedules that send configured report jobs to the jobs queue, on cron expressions
 * evaluated in the configured time zone. The jobs are validated with the job schema at deploy time; the
 * Scheduler's role may only send to the jobs queue and, for runs it could not deliver, to the jobs DLQ.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "#events/errors.js";
import { parseReportJob } from "#events/report-job.schema.js";
import { CONFIG_NAMESPACE, type InfraConfig, InfraConfigError } from "../config.js";
import { assumeRolePolicy, policyDocument, policyJson } from "../iam.js";

export type ScheduleConfig = InfraConfig["schedules"]["jobs"][number];

/** Scheduler context attributes, substituted per run (retries of one run keep the same execution id). */
export const SCHEDULER_EXECUTION_ID = "<aws.scheduler.execution-id>";
export const SCHEDULER_SCHEDULED_TIME = "<aws.scheduler.scheduled-time>";

/** What the fields filled per run look like, to validate the template as the worker will see it. */
const SAMPLE_RUN = {
  [SCHEDULER_EXECUTION_ID]: "0f8fad5b-d9cb-469f-a165-70867728950e",
  [SCHEDULER_SCHEDULED_TIME]: "2025-08-03T06:00:00Z",
};

const RUN_FIELDS = ["jobId", "requestedAt", "requestedBy"] as const;

/**
 * The message body a schedule sends: the configured job plus a jobId derived from the execution id (one
 * job per run, idempotent across Scheduler retries), the scheduled time as requestedAt, and requestedBy.
 * Throws an InfraConfigError naming the config key when the job would not pass `parseReportJob`.
 */
export function scheduledJobBody(schedule: ScheduleConfig, index: number): string {
  const key = `${CONFIG_NAMESPACE}:schedules.jobs.${index}.job`;
  for (const f of RUN_FIELDS) {
    if (f in schedule.job)
      throw new InfraConfigError(`${key}.${f}: is filled per run by the schedule; remove it from config`);
  }
  const template = {
    ...schedule.job,
    jobId: `sched-${schedule.name}-${SCHEDULER_EXECUTION_ID}`,
    requestedAt: SCHEDULER_SCHEDULED_TIME,
    requestedBy: `scheduler:${schedule.name}`,
    correlationId: SCHEDULER_EXECUTION_ID,
  };
  const body = JSON.stringify(template);
  let sample = body;
  for (const [placeholder, value] of Object.entries(SAMPLE_RUN))
    sample = sample.replaceAll(placeholder, value);
  try {
    parseReportJob(JSON.parse(sample));
  } catch (error) {
    if (error instanceof ValidationError) throw new InfraConfigError(`${key}: ${error.message}`);
    throw error;
  }
  return body;
}

/** `arn:…:schedule-group/<group>` → `arn:…:schedule/<group>/`, the prefix of the group's schedules' ARNs. */
function scheduleArnPrefix(groupArn: string): string {
  return `${groupArn.replace(":schedule-group/", ":schedule/")}/`;
}

export interface SchedulesArgs {
  prefix: string;
  /** The stack's account: the only one whose Scheduler may assume the role. */
  accountId: pulumi.Input<string>;
  timezone: string;
  jobs: ScheduleConfig[];
  jobsQueueArn: pulumi.Input<string>;
  /**
   * Runs the Scheduler could not deliver after its retries go to the jobs DLQ: Scheduler sends the target
   * input (the job) as the body, so it is a job that died like any other there — the DLQ sweeper emits its
   * final ReportFailed, the DLQ-depth alarm fires, and a redrive to the jobs queue runs it.
   */
  jobsDlq: { arn: pulumi.Input<string>; url: pulumi.Input<string> };
  tags: Record<string, string>;
}

export class ReportSchedules extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly schedules: aws.scheduler.Schedule[];

  constructor(name: string, args: SchedulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:ReportSchedules", name, {}, opts);
    const parent = { parent: this };
    // Validate every job before creating anything, so a bad schedule fails the preview, not half a deploy.
    const bodies = args.jobs.map((job, i) => scheduledJobBody(job, i));

    const group = new aws.scheduler.ScheduleGroup(
      `${args.prefix}-reports`,
      { name: `${args.prefix}-reports`, tags: args.tags },
      parent,
    );
    // Scheduler delivers dead letters with the schedule's role (SendDeadLetters below); the queue policy
    // admits the service principal too, but only for this account's schedules in this group. The jobs DLQ
    // has no other queue policy (the worker reaches it through its role), so this one is its whole policy.
    const ownSchedules = {
      StringEquals: { "aws:SourceAccount": args.accountId },
      ArnLike: { "aws:SourceArn": group.arn.apply((arn) => `${scheduleArnPrefix(arn)}*`) },
    };
    new aws.sqs.QueuePolicy(
      `${args.prefix}-jobs-dlq-scheduler-policy`,
      {
        queueUrl: args.jobsDlq.url,
        policy: policyJson(
          policyDocument({
            Sid: "AllowSchedulerDeadLetters",
            Effect: "Allow",
            Principal: { Service: "scheduler.amazonaws.com" },
            Action: ["sqs:SendMessage"],
            Resource: [args.jobsDlq.arn],
            Condition: ownSchedules,
          }),
        ),
      },
      parent,
    );
    this.role = new aws.iam.Role(
      `${args.prefix}-scheduler`,
      {
        name: `${args.prefix}-scheduler`,
        // Only this account's Scheduler may assume it (confused deputy: another account's schedule naming
        // this role's ARN is refused).
        assumeRolePolicy: assumeRolePolicy("scheduler.amazonaws.com", {
          StringEquals: { "aws:SourceAccount": args.accountId },
        }),
        tags: args.tags,
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${args.prefix}-scheduler-policy`,
      {
        role: this.role.id,
        policy: policyJson(
          policyDocument(
            {
              Sid: "SendJobs",
              Effect: "Allow",
              Action: ["sqs:SendMessage"],
              Resource: [args.jobsQueueArn],
            },
            {
              Sid: "SendDeadLetters",
              Effect: "Allow",
              Action: ["sqs:SendMessage"],
              Resource: [args.jobsDlq.arn],
            },
          ),
        ),
      },
      parent,
    );
    this.schedules = args.jobs.map(
      (job, i) =>
        new aws.scheduler.Schedule(
          `${args.prefix}-${job.name}`,
          {
            name: `${args.prefix}-${job.name}`,
            groupName: group.name,
            description: `${job.cadence} ${String(job.job.reportType)} report`,
            scheduleExpression: job.cron,
            scheduleExpressionTimezone: args.timezone,
            flexibleTimeWindow: { mode: "OFF" },
            state: "ENABLED",
            target: {
              arn: args.jobsQueueArn,
              roleArn: this.role.arn,
              input: bodies[i] as string,
              retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
              // A run that exhausted its retries is kept (with the error) instead of vanishing.
              deadLetterConfig: { arn: args.jobsDlq.arn },
            },
          },
          { parent: this, dependsOn: [policy] },
        ),
    );
    this.registerOutputs({ scheduleNames: this.schedules.map((s) => s.name) });
  }
}
