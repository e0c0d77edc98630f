/**
 * The stack's schedule group and the stack-config schedules in it, in the same shape as the run-time
 * schedules `reports schedule create` adds (events/report-scheduler.ts): the group and role names from the
 * topology, each schedule targeting the jobs queue with a scheduled-run input (the worker resolves its
 * period and derives its job id), SCHEDULE_RETRY_POLICY and the jobs DLQ. The Scheduler's role may only
 * send to the jobs queue and, for runs it could not deliver, to the jobs DLQ.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "#events/errors.js";
import { parseSchedule, type Schedule, scheduleTargetInput } from "#events/schedule.schema.js";
import { SCHEDULE_RETRY_POLICY, type Topology } from "#events/topology.js";
import { CONFIG_NAMESPACE, type InfraConfig, InfraConfigError } from "../config.js";
import { assumeRolePolicy, policyDocument, policyJson } from "../iam.js";

export type ScheduleConfig = InfraConfig["schedules"]["jobs"][number];

/**
 * A stack-config schedule as a schedule of the contract (its job a template: period placeholders allowed,
 * jobId / requestedAt / requestedBy filled per run). Throws an InfraConfigError naming the config key.
 */
export function stackSchedule(job: ScheduleConfig, timezone: string, index: number): Schedule {
  try {
    return parseSchedule({
      name: job.name,
      expression: job.cron,
      timezone,
      job: job.job,
      description: `${job.cadence} ${String(job.job.reportType)} report (stack config)`,
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const fields = error.message.replace(/^invalid schedule: /, "");
    throw new InfraConfigError(
      `${CONFIG_NAMESPACE}:schedules.jobs.${index}.${fields.replace(/^expression:/, "cron:")}`,
    );
  }
}

/** `arn:…:schedule-group/<group>` → `arn:…:schedule/<group>/`, the prefix of the group's schedules' ARNs. */
function scheduleArnPrefix(groupArn: string): string {
  return `${groupArn.replace(":schedule-group/", ":schedule/")}/`;
}

export interface SchedulesArgs {
  topology: Topology;
  /** The stack's account: the only one whose Scheduler may assume the role. */
  accountId: pulumi.Input<string>;
  timezone: string;
  jobs: ScheduleConfig[];
  jobsQueueArn: pulumi.Input<string>;
  /**
   * Runs the Scheduler could not deliver after its retries go to the jobs DLQ: Scheduler sends the target
   * input (the scheduled run) as the body, so it lies there like a job that died — the DLQ-depth alarm
   * fires, and a redrive to the jobs queue runs it.
   */
  jobsDlq: { arn: pulumi.Input<string>; url: pulumi.Input<string> };
  tags: Record<string, string>;
}

export class ReportSchedules extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly group: aws.scheduler.ScheduleGroup;
  readonly schedules: aws.scheduler.Schedule[];

  constructor(name: string, args: SchedulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:ReportSchedules", name, {}, opts);
    const parent = { parent: this };
    const { groupName, roleName } = args.topology.schedules;
    const prefix = args.topology.prefix;
    // Validate every schedule before creating anything, so a bad one fails the preview, not half a deploy.
    const schedules = args.jobs.map((job, i) => stackSchedule(job, args.timezone, i));

    this.group = new aws.scheduler.ScheduleGroup(groupName, { name: groupName, tags: args.tags }, parent);
    const group = this.group;
    // Scheduler delivers dead letters with the schedule's role (SendDeadLetters below); the queue policy
    // admits the service principal too, but only for this account's schedules in this group. The jobs DLQ
    // has no other queue policy (the worker reaches it through its role), so this one is its whole policy.
    const ownSchedules = {
      StringEquals: { "aws:SourceAccount": args.accountId },
      ArnLike: { "aws:SourceArn": group.arn.apply((arn) => `${scheduleArnPrefix(arn)}*`) },
    };
    new aws.sqs.QueuePolicy(
      `${prefix}-jobs-dlq-scheduler-policy`,
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
      roleName,
      {
        name: roleName,
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
      `${roleName}-policy`,
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
    this.schedules = schedules.map(
      (schedule) =>
        new aws.scheduler.Schedule(
          `${prefix}-${schedule.name}`,
          {
            // The name inside the group is the schedule's own (the group is the stack's), as for run-time
            // schedules, so `reports schedule list` reads both alike.
            name: schedule.name,
            groupName: group.name,
            description: schedule.description ?? schedule.name,
            scheduleExpression: schedule.expression,
            scheduleExpressionTimezone: schedule.timezone,
            flexibleTimeWindow: { mode: "OFF" },
            state: "ENABLED",
            target: {
              arn: args.jobsQueueArn,
              roleArn: this.role.arn,
              input: scheduleTargetInput(schedule),
              retryPolicy: { ...SCHEDULE_RETRY_POLICY },
              // A run that exhausted its retries is kept (with the error) instead of vanishing.
              deadLetterConfig: { arn: args.jobsDlq.arn },
            },
          },
          { parent: this, dependsOn: [policy] },
        ),
    );
    this.registerOutputs({ groupName: group.name, scheduleNames: this.schedules.map((s) => s.name) });
  }
}
