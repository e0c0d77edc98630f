import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { scheduledJobBody } from "#infra/components/schedules.js";
import { CONFIG_NAMESPACE, InfraConfigError, InfraConfigSchema, parseInfraConfig } from "#infra/config.js";
import { configInput } from "../fixtures/config.js";

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InfraConfigError);
    return (error as Error).message;
  }
  throw new Error("expected an InfraConfigError");
};

describe("parseInfraConfig", () => {
  it("accepts a complete config and applies defaults", () => {
    const config = parseInfraConfig(configInput());
    expect(config.services.organizer).toMatchObject({ cpu: 256, memory: 512, backlogPerTaskTarget: 10 });
    expect(config.alarms.dlqDepthThreshold).toBe(0);
    expect(config.snowflake.recoveryWindowDays).toBe(30);
  });

  it("names the Pulumi key of every bad value", () => {
    const base = configInput();
    const message = errorOf(() =>
      parseInfraConfig({
        ...base,
        region: "mars",
        services: { ...base.services, worker: { desiredTasks: 1, minTasks: 3, maxTasks: 2 } },
        network: { ...base.network, subnetIds: [] },
      }),
    );
    expect(message).toContain("aws:region: must be an AWS region");
    expect(message).toContain(`${CONFIG_NAMESPACE}:services.worker.maxTasks: must be >= minTasks (3)`);
    expect(message).toContain(`${CONFIG_NAMESPACE}:services.worker.desiredTasks`);
    expect(message).toContain(`${CONFIG_NAMESPACE}:network.subnetIds`);
  });

  it("names a missing key", () => {
    const { image: _image, ...rest } = configInput();
    expect(errorOf(() => parseInfraConfig(rest))).toContain(`${CONFIG_NAMESPACE}:image: is required`);
  });

  it("rejects an unknown time zone and duplicate schedule names", () => {
    const base = configInput();
    const job = base.schedules.jobs?.[0];
    if (!job) throw new Error("fixture has schedules");
    const message = errorOf(() =>
      parseInfraConfig({ ...base, schedules: { timezone: "Mars/Olympus", jobs: [job, job] } }),
    );
    expect(message).toContain(`${CONFIG_NAMESPACE}:schedules.timezone: unknown IANA time zone`);
    expect(message).toContain(`${CONFIG_NAMESPACE}:schedules.jobs.1.name: duplicate name`);
  });
});

describe("scheduled job bodies", () => {
  const schedule = { name: "weekly-sales", cadence: "weekly" as const, cron: "cron(0 6 ? * MON *)" };

  it("fills jobId, requestedAt and requestedBy per run from the Scheduler's context", () => {
    const body = JSON.parse(
      scheduledJobBody(
        { ...schedule, job: { reportType: "sales", parameters: { from: "2025-07-01", to: "2025-07-31" } } },
        0,
      ),
    );
    expect(body).toMatchObject({
      reportType: "sales",
      jobId: "sched-weekly-sales-<aws.scheduler.execution-id>",
      requestedAt: "<aws.scheduler.scheduled-time>",
      requestedBy: "scheduler:weekly-sales",
    });
  });

  it("fails the deploy with the config key and the job field when the job is invalid", () => {
    const message = errorOf(() =>
      scheduledJobBody(
        { ...schedule, job: { reportType: "sales", parameters: { from: "2025-07-31", to: "2025-07-01" } } },
        2,
      ),
    );
    expect(message).toContain(`${CONFIG_NAMESPACE}:schedules.jobs.2.job`);
    expect(message).toContain("parameters.to");
  });

  it("rejects an unknown report type", () => {
    expect(errorOf(() => scheduledJobBody({ ...schedule, job: { reportType: "payroll" } }, 0))).toContain(
      "reportType",
    );
  });

  it("refuses a configured jobId (it would make every run the same job)", () => {
    expect(
      errorOf(() =>
        scheduledJobBody({ ...schedule, job: { reportType: "connectivity_test", jobId: "fixed" } }, 0),
      ),
    ).toContain("schedules.jobs.0.job.jobId");
  });
});

describe("stack files", () => {
  // Only top-level keys are checked here: parsing the YAML values would need a YAML parser dependency.
  it.each(["Pulumi.dev.yaml", "Pulumi.prod.yaml"])("%s uses only keys the config schema knows", (file) => {
    const text = readFileSync(new URL(`../../../${file}`, import.meta.url), "utf8");
    const keys = [...text.matchAll(new RegExp(`^\\s+${CONFIG_NAMESPACE}:(\\w+):`, "gm"))].map((m) => m[1]);
    const known = Object.keys(InfraConfigSchema.shape);
    expect(keys.length).toBeGreaterThan(8);
    for (const key of keys) expect(known, `${file}: ${key}`).toContain(key);
    expect(text).toMatch(/^\s+aws:region: /m);
    for (const required of [
      "prefix",
      "image",
      "network",
      "services",
      "workerConcurrency",
      "alarms",
      "schedules",
      "snowflake",
    ])
      expect(keys, `${file} lacks ${required}`).toContain(required);
  });
});
