import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { API_THROTTLE } from "#events/front-door.js";
import { stackSchedule } from "#infra/components/schedules.js";
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

  it("gives the intake the service fields and its own scaling target, not a backlog target", () => {
    const base = configInput();
    const intake = parseInfraConfig({
      ...base,
      services: { ...base.services, intake: { desiredTasks: 1, minTasks: 1, maxTasks: 2 } },
    }).services.intake;
    expect(intake).toEqual({
      desiredTasks: 1,
      minTasks: 1,
      maxTasks: 2,
      cpu: 256,
      memory: 512,
      requestsPerTaskTarget: 600,
    });
    const message = errorOf(() =>
      parseInfraConfig({
        ...base,
        services: {
          ...base.services,
          intake: { desiredTasks: 3, minTasks: 1, maxTasks: 2, backlogPerTaskTarget: 5 } as never,
        },
      }),
    );
    expect(message).toContain(
      `${CONFIG_NAMESPACE}:services.intake.desiredTasks: must be within minTasks..maxTasks`,
    );
    expect(message).toContain(`${CONFIG_NAMESPACE}:services.intake`);
    expect(message).toMatch(/backlogPerTaskTarget/);
    const { intake: _intake, ...withoutIntake } = base.services;
    expect(errorOf(() => parseInfraConfig({ ...base, services: withoutIntake as never }))).toContain(
      `${CONFIG_NAMESPACE}:services.intake: is required`,
    );
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

describe("front door config", () => {
  const base = configInput();

  it("defaults the front door: no producers, the contract's throttle, a daily quota, no account log role", () => {
    const config = parseInfraConfig(base);
    expect(config.frontDoor).toEqual({
      producerPrincipals: [],
      throttle: { ...API_THROTTLE },
      dailyQuota: 100_000,
      manageAccountLogRole: false,
    });
    expect(config.snowflake.apiIntegration).toEqual({});
  });

  it("takes producer roles and users, and a throttle override", () => {
    const producers = [
      "arn:aws:iam::210987654321:role/report-producer",
      "arn:aws:iam::123456789012:role/team/path/ci-submitter",
      "arn:aws:iam::123456789012:user/reports-cli",
      "arn:aws-us-gov:iam::123456789012:role/gov-producer",
    ];
    const config = parseInfraConfig({
      ...base,
      frontDoor: { producerPrincipals: producers, throttle: { rateLimit: 5 } },
    });
    expect(config.frontDoor.producerPrincipals).toEqual(producers);
    expect(config.frontDoor.throttle).toEqual({ rateLimit: 5, burstLimit: API_THROTTLE.burstLimit });
  });

  it.each([
    ["an account id that is not 12 digits", "arn:aws:iam::1234:role/producer"],
    ["a wildcard", "arn:aws:iam::123456789012:role/*"],
    ["an assumed-role session (the role is the principal)", "arn:aws:sts::123456789012:assumed-role/r/s"],
    ["a group", "arn:aws:iam::123456789012:group/producers"],
    ["an account id alone", "123456789012"],
  ])("refuses a producer principal that is %s, naming the key", (_what, arn) => {
    const message = errorOf(() =>
      parseInfraConfig({
        ...base,
        frontDoor: { producerPrincipals: ["arn:aws:iam::123456789012:role/ok", arn] },
      }),
    );
    expect(message).toContain(
      `${CONFIG_NAMESPACE}:frontDoor.producerPrincipals.1: must be an IAM role or user ARN`,
    );
    expect(message).not.toContain("producerPrincipals.0");
  });

  it("refuses a duplicate producer and a throttle out of range", () => {
    const arn = "arn:aws:iam::123456789012:role/producer";
    const message = errorOf(() =>
      parseInfraConfig({
        ...base,
        frontDoor: { producerPrincipals: [arn, arn], throttle: { rateLimit: 0, burstLimit: 1.5 } },
      }),
    );
    expect(message).toContain(`${CONFIG_NAMESPACE}:frontDoor.producerPrincipals.1: duplicate ${arn}`);
    expect(message).toContain(`${CONFIG_NAMESPACE}:frontDoor.throttle.rateLimit`);
    expect(message).toContain(`${CONFIG_NAMESPACE}:frontDoor.throttle.burstLimit`);
  });

  it.each([
    ["too short", "x".repeat(31)],
    ["too long", "x".repeat(257)],
    ["outside [A-Za-z0-9_-]", `${"x".repeat(40)}!`],
    ["with a quote (it is sent as a static '...' mapping)", `${"x".repeat(40)}'`],
  ])("refuses a gateway token %s, naming the key", (_what, token) => {
    expect(errorOf(() => parseInfraConfig({ ...base, gatewayToken: token }))).toContain(
      `${CONFIG_NAMESPACE}:gatewayToken: must be 32 to 256 letters, digits, - or _`,
    );
  });

  it("asks for a missing gateway token with the command that sets it as a secret", () => {
    const { gatewayToken: _token, ...rest } = base;
    expect(errorOf(() => parseInfraConfig(rest))).toContain(
      `${CONFIG_NAMESPACE}:gatewayToken: is required (pulumi config set --secret ${CONFIG_NAMESPACE}:gatewayToken`,
    );
  });

  it("accepts the smallest and largest tokens the contract accepts", () => {
    for (const token of ["a".repeat(32), "Z9_-".repeat(64)])
      expect(parseInfraConfig({ ...base, gatewayToken: token }).gatewayToken).toBe(token);
  });

  it("takes Snowflake's integration user and external id together, and refuses one without the other", () => {
    const iamUserArn = "arn:aws:iam::999999999999:user/abc1-s-v2st1234";
    const externalId = "AB12345_SFCRole=2_abcdefghijklmnopqrstuvwx=";
    const snowflake = (apiIntegration: object) => ({ ...base.snowflake, apiIntegration });
    expect(
      parseInfraConfig({ ...base, snowflake: snowflake({ iamUserArn, externalId }) }).snowflake
        .apiIntegration,
    ).toEqual({ iamUserArn, externalId });
    expect(errorOf(() => parseInfraConfig({ ...base, snowflake: snowflake({ iamUserArn }) }))).toContain(
      `${CONFIG_NAMESPACE}:snowflake.apiIntegration.externalId: is required when iamUserArn is set`,
    );
    expect(errorOf(() => parseInfraConfig({ ...base, snowflake: snowflake({ externalId }) }))).toContain(
      `${CONFIG_NAMESPACE}:snowflake.apiIntegration.iamUserArn: is required when externalId is set`,
    );
    expect(
      errorOf(() =>
        parseInfraConfig({
          ...base,
          snowflake: snowflake({ iamUserArn: "arn:aws:iam::999999999999:role/not-a-user", externalId }),
        }),
      ),
    ).toContain(`${CONFIG_NAMESPACE}:snowflake.apiIntegration.iamUserArn: must be an IAM user ARN`);
  });
});

describe("stack-config schedules", () => {
  const schedule = { name: "weekly-sales", cadence: "weekly" as const, cron: "cron(0 6 ? * MON *)" };

  it("become schedules of the contract: a template, period placeholders allowed", () => {
    const s = stackSchedule(
      {
        ...schedule,
        job: {
          reportType: "sales",
          parameters: { from: "{{previous_week.from}}", to: "{{previous_week.to}}" },
        },
      },
      "Europe/Berlin",
      0,
    );
    expect(s).toMatchObject({
      name: "weekly-sales",
      expression: "cron(0 6 ? * MON *)",
      timezone: "Europe/Berlin",
      state: "ENABLED",
      job: { reportType: "sales", parameters: { from: "{{previous_week.from}}" } },
    });
  });

  it("fails the deploy with the config key and the job field when the job is invalid", () => {
    const message = errorOf(() =>
      stackSchedule(
        { ...schedule, job: { reportType: "sales", parameters: { from: "2025-07-31", to: "2025-07-01" } } },
        "UTC",
        2,
      ),
    );
    expect(message).toContain(`${CONFIG_NAMESPACE}:schedules.jobs.2.job.parameters.to`);
  });

  it("rejects an unknown report type and a cron EventBridge would refuse", () => {
    expect(errorOf(() => stackSchedule({ ...schedule, job: { reportType: "payroll" } }, "UTC", 0))).toContain(
      "schedules.jobs.0.job.reportType",
    );
    expect(
      errorOf(() =>
        stackSchedule(
          { ...schedule, cron: "cron(0 6 * * MON *)", job: { reportType: "connectivity_test" } },
          "UTC",
          1,
        ),
      ),
    ).toContain("schedules.jobs.1.cron: cron(): exactly one of day-of-month and day-of-week must be '?'");
  });

  it("refuses a configured jobId (it would make every run the same job)", () => {
    expect(
      errorOf(() =>
        stackSchedule({ ...schedule, job: { reportType: "connectivity_test", jobId: "fixed" } }, "UTC", 0),
      ),
    ).toContain("schedules.jobs.0.job");
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
