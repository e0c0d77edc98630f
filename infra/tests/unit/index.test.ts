import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { configInput } from "../fixtures/config.js";
import { installMocks, outputValue } from "../support/pulumi-mocks.js";

// The program as `pulumi up` runs it: stack config through Pulumi's config, read once by infra/index.ts.
const input = configInput({ prefix: "rp-stack" });
const { region, prefix, image, workerConcurrency, ...structured } = input;
const mocks = installMocks();
pulumi.runtime.setAllConfig({
  "aws:region": region,
  "report-pipeline:prefix": prefix,
  "report-pipeline:image": image,
  "report-pipeline:workerConcurrency": String(workerConcurrency),
  ...Object.fromEntries(
    Object.entries(structured).map(([k, v]) => [`report-pipeline:${k}`, JSON.stringify(v)]),
  ),
});
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

  it("takes every service's scaling bounds from the stack config", () => {
    const targets = mocks.ofType("aws:appautoscaling/target:Target");
    expect(targets).toHaveLength(4);
    for (const [id, svc] of Object.entries(input.services)) {
      const target = targets.find((t) => t.inputs.resourceId === `service/rp-stack-cluster/rp-stack-${id}`);
      expect(target?.inputs, id).toMatchObject({ minCapacity: svc.minTasks, maxCapacity: svc.maxTasks });
    }
  });
});
