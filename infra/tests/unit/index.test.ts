import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { InfraConfigError, readInfraConfig } from "#infra/config.js";
import { configInput } from "../fixtures/config.js";
import { installMocks, outputValue } from "../support/pulumi-mocks.js";

// The program as `pulumi up` runs it: stack config through Pulumi's config, read once by infra/index.ts.
const input = configInput({ prefix: "rp-stack" });
const { region, prefix, image, workerConcurrency, gatewayToken, ...structured } = input;
const TOKEN_KEY = "report-pipeline:gatewayToken";
const stackConfig = {
  "aws:region": region,
  "report-pipeline:prefix": prefix,
  "report-pipeline:image": image,
  "report-pipeline:workerConcurrency": String(workerConcurrency),
  [TOKEN_KEY]: gatewayToken,
  ...Object.fromEntries(
    Object.entries(structured).map(([k, v]) => [`report-pipeline:${k}`, JSON.stringify(v)]),
  ),
};
const mocks = installMocks();
// `pulumi config set --secret`: the token is listed among the secret keys.
pulumi.runtime.setAllConfig(stackConfig, [TOKEN_KEY]);
const program = await import("#infra/index.js");

beforeAll(async () => {
  await mocks.settle();
});

describe("infra/index.ts", () => {
  it("reads the stack config and exports the pipeline's endpoints", async () => {
    expect(await outputValue(program.jobsQueueUrl)).toBe(
      "https://sqs.eu-west-1.amazonaws.com/123456789012/rp-stack-report-jobs",
    );
    expect(await outputValue(program.eventBusName)).toBe("rp-stack-report-events");
    expect(await outputValue(program.reportsBucket)).toBe("rp-stack-reports");
    expect(await outputValue(program.dashboardName)).toBe("rp-stack-pipeline");
    expect(await outputValue(program.dashboardUrl)).toBe(
      "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/rp-stack-pipeline",
    );
  });

  it("exports the front door: its API, invoke URL, and what Snowflake's API integration is created with", async () => {
    const [api] = mocks.ofType("aws:apigateway/restApi:RestApi");
    expect(api?.inputs.name).toBe("rp-stack-report-api");
    expect(await outputValue(program.apiId)).toBe(api?.id);
    expect(await outputValue(program.apiInvokeUrl)).toBe(
      `https://${api?.id}.execute-api.eu-west-1.amazonaws.com/v1`,
    );
    expect(await outputValue(program.snowflakeApiAllowedPrefix)).toBe(
      `https://${api?.id}.execute-api.eu-west-1.amazonaws.com/v1/`,
    );
    expect(await outputValue(program.snowflakeApiRoleArn)).toBe(
      "arn:aws:iam::123456789012:role/rp-stack-snowflake-intake",
    );
  });

  it("takes every service's scaling bounds from the stack config", () => {
    const targets = mocks.ofType("aws:appautoscaling/target:Target");
    expect(targets).toHaveLength(5);
    for (const [id, svc] of Object.entries(input.services)) {
      const target = targets.find((t) => t.inputs.resourceId === `service/rp-stack-cluster/rp-stack-${id}`);
      expect(target?.inputs, id).toMatchObject({ minCapacity: svc.minTasks, maxCapacity: svc.maxTasks });
    }
  });

  it("refuses a gateway token set in plain text (it would be committed with the stack file)", () => {
    // Prepare: the same config, but the token not among the secret keys.
    pulumi.runtime.setAllConfig(stackConfig, []);
    try {
      // Act + Assess
      expect(() => readInfraConfig()).toThrow(InfraConfigError);
      expect(() => readInfraConfig()).toThrow(`${TOKEN_KEY}: must be set as a secret`);
    } finally {
      pulumi.runtime.setAllConfig(stackConfig, [TOKEN_KEY]);
    }
    expect(readInfraConfig().gatewayToken).toBe(gatewayToken);
  });
});
