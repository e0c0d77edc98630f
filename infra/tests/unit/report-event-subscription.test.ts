/**
 * ReportEventSubscription under Pulumi mocks: what another team's stack gets (a rule whose pattern comes
 * from the contract, a target with a DLQ and a retry policy, queue policies that admit only the rule, a
 * delivery role limited to the one target), and our own stack's consumer rules built with it, adopting
 * the resources they had before (aliases) rather than replacing them.
 */
import type * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { reportEventPattern } from "#events/event-patterns.js";
import { DetailType } from "#events/names.js";
import { consumersOf, type Topology } from "#events/topology.js";
import { parseInfraConfig } from "#infra/config.js";
import { configInput } from "../fixtures/config.js";
import { installMocks, type RecordedResource } from "../support/pulumi-mocks.js";

const mocks = installMocks();
const { createPipeline } = await import("#infra/pipeline.js");
const { DEFAULT_RETRY_POLICY, DLQ_RETENTION_SECONDS, ReportEventSubscription } = await import(
  "#infra/components/report-event-subscription.js"
);

const options = new Map<string, pulumi.CustomResourceOptions>();
const recordOptions: pulumi.ResourceTransformation = ({ type, name, opts }) => {
  options.set(`${type}::${name}`, opts);
  return undefined;
};

const BUS = "rp-prod-report-events";
const INBOX_ARN = "arn:aws:sqs:eu-west-1:210987654321:billing-reports";
const INBOX_URL = "https://sqs.eu-west-1.amazonaws.com/210987654321/billing-reports";
const TEAM_BUS_ARN = "arn:aws:events:eu-west-1:210987654321:event-bus/billing";
const API_DESTINATION_ARN = "arn:aws:events:eu-west-1:123456789012:api-destination/billing-hook/1a2b";
const FILTER = {
  detailTypes: [DetailType.ReportGenerated, DetailType.ReportFailed],
  reportTypes: ["sales" as const],
};

let topology: Topology;

beforeAll(async () => {
  topology = createPipeline(parseInfraConfig(configInput()), { transformations: [recordOptions] }).topology;
  new ReportEventSubscription("billing-generated", {
    eventBusName: BUS,
    filter: FILTER,
    target: { queue: { arn: INBOX_ARN, url: INBOX_URL } },
    tags: { team: "billing" },
  });
  new ReportEventSubscription("billing-forward", {
    eventBusName: BUS,
    target: { bus: { arn: TEAM_BUS_ARN } },
    retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
  });
  new ReportEventSubscription("billing-hook", {
    eventBusName: BUS,
    filter: { detailTypes: [DetailType.ReportOrganized] },
    target: { apiDestination: { arn: API_DESTINATION_ARN } },
  });
  await mocks.settle();
});

const named = (type: string, name: string): RecordedResource => {
  const found = mocks.ofType(type).find((r) => r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};
const rule = (name: string) => named("aws:cloudwatch/eventRule:EventRule", name);
const policyOn = (queueUrl: string) =>
  mocks.ofType("aws:sqs/queuePolicy:QueuePolicy").filter((p) => p.inputs.queueUrl === queueUrl);
const statements = (r: RecordedResource) => JSON.parse(r.inputs.policy).Statement;

describe("ReportEventSubscription to a queue", () => {
  it("makes the rule's pattern from the contract's names, on the given bus", () => {
    const r = rule("billing-generated");
    expect(JSON.parse(r.inputs.eventPattern)).toEqual(reportEventPattern(FILTER));
    expect(JSON.parse(r.inputs.eventPattern)).toEqual({
      source: ["report-pipeline.reports"],
      "detail-type": ["ReportGenerated", "ReportFailed"],
      detail: { reportType: ["sales"] },
    });
    expect(r.inputs).toMatchObject({ name: "billing-generated", eventBusName: BUS, state: "ENABLED" });
    expect(r.inputs.tags).toEqual({ team: "billing" });
  });

  it("targets the queue with a DLQ it creates and the default retry policy", () => {
    const dlq = named("aws:sqs/queue:Queue", "billing-generated-dlq");
    expect(dlq.inputs).toMatchObject({
      messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    });
    const target = named("aws:cloudwatch/eventTarget:EventTarget", "billing-generated-queue-target");
    expect(target.inputs).toMatchObject({
      rule: "billing-generated",
      eventBusName: BUS,
      arn: INBOX_ARN,
      deadLetterConfig: { arn: dlq.state.arn },
      retryPolicy: DEFAULT_RETRY_POLICY,
    });
    expect(target.inputs.roleArn).toBeUndefined();
  });

  it("lets only its rule send to the queue and to the DLQ", () => {
    const ruleArn = rule("billing-generated").state.arn;
    const dlq = named("aws:sqs/queue:Queue", "billing-generated-dlq");
    for (const [url, arn] of [
      [INBOX_URL, INBOX_ARN],
      [dlq.state.url, dlq.state.arn],
    ]) {
      const [policy, ...others] = policyOn(url);
      expect(others).toEqual([]);
      expect(statements(policy as RecordedResource)).toEqual([
        {
          Sid: "AllowRuleToSend",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: ["sqs:SendMessage"],
          Resource: [arn],
          Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
        },
      ]);
    }
  });
});

describe("ReportEventSubscription to a bus or an API destination", () => {
  it.each([
    ["billing-forward", "bus", TEAM_BUS_ARN, "events:PutEvents"],
    ["billing-hook", "api", API_DESTINATION_ARN, "events:InvokeApiDestination"],
  ])(
    "%s: delivers with a role only its rule assumes, allowed one action on the target",
    (name, kind, arn, action) => {
      const target = named("aws:cloudwatch/eventTarget:EventTarget", `${name}-${kind}-target`);
      const role = named("aws:iam/role:Role", `${name}-target-role`);
      expect(target.inputs.arn).toBe(arn);
      expect(target.inputs.roleArn).toBe(role.state.arn);
      const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement;
      expect(trust).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { ArnEquals: { "aws:SourceArn": rule(name).state.arn } },
        },
      ]);
      const policy = named("aws:iam/rolePolicy:RolePolicy", `${name}-target-policy`);
      expect(JSON.parse(policy.inputs.policy).Statement).toEqual([
        expect.objectContaining({ Effect: "Allow", Action: [action], Resource: [arn] }),
      ]);
      // only the DLQ's policy: there is no queue target to admit the rule to
      const dlq = named("aws:sqs/queue:Queue", `${name}-dlq`);
      expect(target.inputs.deadLetterConfig).toEqual({ arn: dlq.state.arn });
      expect(policyOn(dlq.state.url)).toHaveLength(1);
    },
  );

  it("passes a custom retry policy through, and matches every pipeline event without a filter", () => {
    const target = named("aws:cloudwatch/eventTarget:EventTarget", "billing-forward-bus-target");
    expect(target.inputs.retryPolicy).toEqual({ maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 });
    expect(JSON.parse(rule("billing-forward").inputs.eventPattern)).toEqual({
      source: ["report-pipeline.reports"],
    });
  });
});

describe("ReportEventSubscription refuses bad arguments, naming them", () => {
  it.each([
    [
      { filter: { detailTypes: ["ReportMade" as DetailType] } },
      /detailTypes\[0\]: must be one of ReportStarted/,
    ],
    [{ filter: { reportTypes: ["finance" as "sales"] } }, /reportTypes\[0\]: must be one of sales/],
    [
      { retryPolicy: { maximumEventAgeInSeconds: 30, maximumRetryAttempts: 1 } },
      /retryPolicy\.maximumEventAgeInSeconds/,
    ],
    [
      { retryPolicy: { maximumEventAgeInSeconds: 60, maximumRetryAttempts: 200 } },
      /retryPolicy\.maximumRetryAttempts/,
    ],
    [
      { target: {} as { queue: { arn: string; url: string } } },
      /target: must have exactly one of queue, bus, apiDestination/,
    ],
  ])("%j", (override, message) => {
    expect(
      () =>
        new ReportEventSubscription(`bad-${Math.random()}`, {
          eventBusName: BUS,
          target: { queue: { arn: INBOX_ARN, url: INBOX_URL } },
          ...override,
        }),
    ).toThrow(message);
  });
});

describe("our stack's consumer rules", () => {
  it("are ReportEventSubscriptions, one per consumer, fed from the topology's filter", () => {
    const components = mocks.ofType("report-pipeline:events:ReportEventSubscription").map((c) => c.name);
    for (const spec of consumersOf(topology)) {
      expect(components).toContain(spec.rule.name);
      expect(JSON.parse(rule(spec.rule.name).inputs.eventPattern)).toEqual(
        reportEventPattern(spec.rule.filter),
      );
    }
  });

  it("keep their resources' names and alias them to their former parent, so no deployed rule is replaced", () => {
    for (const spec of consumersOf(topology)) {
      for (const [type, name] of [
        ["aws:cloudwatch/eventRule:EventRule", spec.rule.name],
        ["aws:cloudwatch/eventTarget:EventTarget", `${spec.rule.name}-queue-target`],
        ["aws:sqs/queuePolicy:QueuePolicy", `${spec.rule.name}-queue-policy`],
        ["aws:sqs/queuePolicy:QueuePolicy", `${spec.rule.name}-dlq-policy`],
      ]) {
        const opts = options.get(`${type}::${name}`);
        expect(opts, `${type} ${name}`).toBeDefined();
        const aliases = (opts?.aliases ?? []) as { parent?: pulumi.Resource }[];
        expect(aliases, name).toHaveLength(1);
        expect((aliases[0]?.parent as unknown as { __pulumiType?: string })?.__pulumiType).toBe(
          "report-pipeline:infra:Messaging",
        );
      }
      expect(
        named("aws:cloudwatch/eventTarget:EventTarget", `${spec.rule.name}-queue-target`).inputs.targetId,
      ).toBe(`${spec.id}-queue`);
    }
  });
});
