/**
 * The typed client for report schedules on EventBridge Scheduler: one schedule group per stack
 * (topology.schedules.groupName), each schedule targeting the jobs queue with its scheduled-run input, the
 * retry policy and the jobs DLQ (SCHEDULE_RETRY_POLICY), sent with the scheduler role. What is stored is
 * read back through the schedule schema: a schedule somebody else put in the group that is no report
 * schedule is reported as such, never trusted.
 *
 * @example
 * ```ts
 * const scheduler = new ReportScheduler(new SchedulerClient({}), topology.schedules.groupName);
 * await scheduler.create(parseSchedule(input), scheduleTargetOf(topology, jobsQueueArn, jobsDlqArn));
 * await scheduler.setState("daily-sales", "PAUSED");
 * ```
 */
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import { isAwsAlreadyExists, isAwsNotFound } from "./aws-errors.js";
import { toAwsError, ValidationError } from "./errors.js";
import { parseWith } from "./report-job.schema.js";
import {
  parseSchedule,
  SCHEDULER_SCHEDULED_TIME,
  type Schedule,
  ScheduledRunMessageSchema,
  type ScheduleState,
  scheduleTargetInput,
} from "./schedule.schema.js";
import { SCHEDULE_RETRY_POLICY, type Topology } from "./topology.js";

/** Where a schedule's runs go and with which role. */
export interface ScheduleTarget {
  queueArn: string;
  dlqArn: string;
  roleArn: string;
}

/** A report schedule as stored, with what Scheduler adds to it. */
export interface StoredSchedule {
  schedule: Schedule;
  /** When it was created: where a rate() counts from. */
  creationDate?: Date;
  lastModificationDate?: Date;
  targetArn?: string;
}

/** A schedule in the group that does not read as a report schedule (made by hand, or by something else). */
export interface UnreadableSchedule {
  name: string;
  problem: string;
}

/** The target of the stack's schedules: the jobs queue, its DLQ, and the scheduler role of the same account. */
export function scheduleTargetOf(
  topology: Topology,
  jobsQueueArn: string,
  jobsDlqArn: string,
): ScheduleTarget {
  const [, partition, , , account] = jobsQueueArn.split(":");
  if (!partition || !account) throw new ValidationError(`jobs queue ARN "${jobsQueueArn}" is not an SQS ARN`);
  return {
    queueArn: jobsQueueArn,
    dlqArn: jobsDlqArn,
    roleArn: `arn:${partition}:iam::${account}:role/${topology.schedules.roleName}`,
  };
}

/** The CreateSchedule / UpdateSchedule request of a schedule. */
export function scheduleRequest(
  schedule: Schedule,
  groupName: string,
  target: ScheduleTarget,
): CreateScheduleCommandInput {
  return {
    Name: schedule.name,
    GroupName: groupName,
    ScheduleExpression: schedule.expression,
    ScheduleExpressionTimezone: schedule.timezone,
    State: schedule.state === "PAUSED" ? "DISABLED" : "ENABLED",
    FlexibleTimeWindow:
      schedule.flexibleWindowMinutes > 0
        ? { Mode: "FLEXIBLE", MaximumWindowInMinutes: schedule.flexibleWindowMinutes }
        : { Mode: "OFF" },
    ...(schedule.description ? { Description: schedule.description } : {}),
    Target: {
      Arn: target.queueArn,
      RoleArn: target.roleArn,
      Input: scheduleTargetInput(schedule),
      RetryPolicy: {
        MaximumEventAgeInSeconds: SCHEDULE_RETRY_POLICY.maximumEventAgeInSeconds,
        MaximumRetryAttempts: SCHEDULE_RETRY_POLICY.maximumRetryAttempts,
      },
      DeadLetterConfig: { Arn: target.dlqArn },
    },
  };
}

/** Reads a GetSchedule answer back into a schedule; throws ValidationError naming what does not fit. */
export function storedScheduleOf(out: GetScheduleCommandOutput): StoredSchedule {
  let input: unknown;
  try {
    // The scheduled time is Scheduler's to fill; any valid instant makes the input checkable.
    input = JSON.parse((out.Target?.Input ?? "").replace(SCHEDULER_SCHEDULED_TIME, "2025-01-01T00:00:00Z"));
  } catch {
    throw new ValidationError("Target.Input: is not JSON (not a report schedule)", {
      fields: ["Target.Input"],
    });
  }
  const { scheduledRun } = parseWith(ScheduledRunMessageSchema, input, "schedule target input");
  if (scheduledRun.schedule !== out.Name)
    throw new ValidationError(
      `Target.Input: scheduledRun.schedule "${scheduledRun.schedule}" is not the schedule's name "${out.Name}"`,
      { fields: ["Target.Input.scheduledRun.schedule"] },
    );
  const flexible = out.FlexibleTimeWindow?.Mode === "FLEXIBLE";
  const schedule = parseSchedule({
    name: out.Name,
    expression: out.ScheduleExpression,
    timezone: out.ScheduleExpressionTimezone ?? "UTC",
    job: scheduledRun.job,
    state: out.State === "DISABLED" ? "PAUSED" : "ENABLED",
    flexibleWindowMinutes: flexible ? (out.FlexibleTimeWindow?.MaximumWindowInMinutes ?? 0) : 0,
    ...(out.Description ? { description: out.Description } : {}),
  });
  return {
    schedule,
    ...(out.CreationDate ? { creationDate: out.CreationDate } : {}),
    ...(out.LastModificationDate ? { lastModificationDate: out.LastModificationDate } : {}),
    ...(out.Target?.Arn ? { targetArn: out.Target.Arn } : {}),
  };
}

export class ReportScheduler {
  constructor(
    private readonly client: SchedulerClient,
    readonly groupName: string,
  ) {}

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toAwsError(error, `Scheduler.${operation}`);
    }
  }

  /**
   * Creates the group when it is missing (idempotent). Looks first: LocalStack answers a second
   * CreateScheduleGroup with a fresh, empty group instead of AWS's ConflictException.
   */
  async ensureGroup(tags: Record<string, string> = {}): Promise<void> {
    try {
      await this.client.send(new GetScheduleGroupCommand({ Name: this.groupName }));
      return;
    } catch (error) {
      if (!isAwsNotFound(error)) throw toAwsError(error, "Scheduler.GetScheduleGroup");
    }
    try {
      await this.client.send(
        new CreateScheduleGroupCommand({
          Name: this.groupName,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    } catch (error) {
      if (!isAwsAlreadyExists(error)) throw toAwsError(error, "Scheduler.CreateScheduleGroup");
    }
  }

  /** Creates a schedule; a schedule of that name in the group is an AwsServiceError (ConflictException). */
  async create(schedule: Schedule, target: ScheduleTarget): Promise<void> {
    await this.call("CreateSchedule", () =>
      this.client.send(new CreateScheduleCommand(scheduleRequest(schedule, this.groupName, target))),
    );
  }

  private async raw(name: string): Promise<GetScheduleCommandOutput | undefined> {
    try {
      return await this.client.send(new GetScheduleCommand({ Name: name, GroupName: this.groupName }));
    } catch (error) {
      if (isAwsNotFound(error)) return undefined;
      throw toAwsError(error, "Scheduler.GetSchedule");
    }
  }

  /** The schedule, or undefined when the group has none of that name. */
  async get(name: string): Promise<StoredSchedule | undefined> {
    const out = await this.raw(name);
    return out ? storedScheduleOf(out) : undefined;
  }

  /** Every schedule of the group, by name; those that are no report schedule say why. */
  async list(): Promise<(StoredSchedule | UnreadableSchedule)[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call("ListSchedules", () =>
        this.client.send(new ListSchedulesCommand({ GroupName: this.groupName, NextToken: token })),
      );
      for (const s of page.Schedules ?? []) if (s.Name) names.push(s.Name);
      token = page.NextToken;
    } while (token);
    const out: (StoredSchedule | UnreadableSchedule)[] = [];
    for (const name of names.sort()) {
      try {
        const stored = await this.get(name);
        if (stored) out.push(stored);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        out.push({ name, problem: error.message });
      }
    }
    return out;
  }

  /** Pauses or resumes; undefined when there is no such schedule. Scheduler updates replace the whole schedule. */
  async setState(name: string, state: ScheduleState): Promise<StoredSchedule | undefined> {
    const out = await this.raw(name);
    if (!out) return undefined;
    const stored = storedScheduleOf(out);
    const target = out.Target;
    if (!target?.Arn || !target.RoleArn || !target.DeadLetterConfig?.Arn)
      throw new ValidationError(`schedule ${name}: its target has no queue, role or DLQ`, {
        fields: ["Target"],
      });
    const schedule = { ...stored.schedule, state };
    await this.call("UpdateSchedule", () =>
      this.client.send(
        new UpdateScheduleCommand(
          scheduleRequest(schedule, this.groupName, {
            queueArn: target.Arn as string,
            roleArn: target.RoleArn as string,
            dlqArn: target.DeadLetterConfig?.Arn as string,
          }),
        ),
      ),
    );
    return { ...stored, schedule };
  }

  /** Deletes; false when there was no such schedule. */
  async delete(name: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.groupName }));
      return true;
    } catch (error) {
      if (isAwsNotFound(error)) return false;
      throw toAwsError(error, "Scheduler.DeleteSchedule");
    }
  }
}
