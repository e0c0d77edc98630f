/**
 * infra/ and the LocalStack bootstrap must build the same messaging: the same queues with the same DLQ
 * wiring, the same rules with the same patterns, the same rule -> queue targets. The bootstrap side is read
 * back from LocalStack (what really exists), the Pulumi side from the resources the program registers under
 * mocks for the same prefix.
 */
import { ListRulesCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetQueueAttributesCommand, ListQueuesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseInfraConfig } from "#infra/config.js";
import { createTestTopology, type TestTopology } from "#localstack/testing.js";
import { configInput } from "../fixtures/config.js";
import { installMocks } from "../support/pulumi-mocks.js";

interface Messaging {
  names: { bus: string; archive: string; bucket: string; notificationsTopic: string; auditLogGroup: string };
  queues: Record<string, { dlq: string | null; maxReceiveCount: number | null; sse: boolean }>;
  /** Targets as `<target id> -> <service>:<resource name>`, e.g. `auditor-logs -> logs:/aws/events/…`. */
  rules: Record<string, { pattern: unknown; targets: string[] }>;
}

const nameOfArn = (arn: string) => arn.slice(arn.lastIndexOf(":") + 1);
/** `sqs:<queue>` or `logs:<group>`: comparable across accounts (LocalStack 000000000000 vs the mocks'). */
const targetOf = (id: string | undefined, arn: string) => {
  const service = arn.split(":")[2];
  const name =
    service === "logs"
      ? arn.replace(/^arn:aws:logs:[^:]*:[^:]*:log-group:/, "").replace(/:\*$/, "")
      : nameOfArn(arn);
  return `${id} -> ${service}:${name}`;
};
/** EventBridge adds a managed rule per archive; it is not part of either program. */
const isArchiveManagedRule = (name: string) => name.startsWith("Events-Archive-");
const redriveOf = (policy: string | undefined) => {
  if (!policy) return { dlq: null, maxReceiveCount: null };
  const p = JSON.parse(policy) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
  return { dlq: nameOfArn(p.deadLetterTargetArn), maxReceiveCount: Number(p.maxReceiveCount) };
};

/** What exists on LocalStack under the test's prefix. */
async function readLocalStack(t: TestTopology): Promise<Messaging> {
  const { sqs, events } = t.clients;
  const prefix = t.provisioned.topology.prefix;
  const busName = t.provisioned.busName;
  const queues: Messaging["queues"] = {};
  const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-` }));
  for (const url of listed.QueueUrls ?? []) {
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }));
    const a = attrs.Attributes ?? {};
    queues[nameOfArn(a.QueueArn ?? url)] = {
      ...redriveOf(a.RedrivePolicy),
      sse: a.SqsManagedSseEnabled === "true",
    };
  }
  const rules: Messaging["rules"] = {};
  const listedRules = await events.send(new ListRulesCommand({ EventBusName: busName }));
  for (const rule of listedRules.Rules ?? []) {
    if (!rule.Name || isArchiveManagedRule(rule.Name)) continue;
    const targets = await events.send(
      new ListTargetsByRuleCommand({ Rule: rule.Name, EventBusName: busName }),
    );
    rules[rule.Name] = {
      pattern: JSON.parse(rule.EventPattern ?? "null"),
      targets: (targets.Targets ?? []).map((x) => targetOf(x.Id, x.Arn ?? "")).sort(),
    };
  }
  const p = t.provisioned;
  return {
    names: {
      bus: busName,
      archive: p.topology.bus.archiveName,
      bucket: p.bucket,
      notificationsTopic: nameOfArn(p.notificationsTopicArn),
      auditLogGroup: targetOf("", p.auditLogGroupArn).replace(/^ -> logs:/, ""),
    },
    queues,
    rules,
  };
}

/** What the Pulumi program declares for the same prefix. */
async function readPulumi(prefix: string): Promise<Messaging> {
  const mocks = installMocks();
  const { createPipeline } = await import("#infra/pipeline.js");
  createPipeline(parseInfraConfig(configInput({ prefix })));
  await mocks.settle();
  const queues: Messaging["queues"] = {};
  for (const q of mocks.ofType("aws:sqs/queue:Queue")) {
    queues[q.inputs.name] = {
      ...redriveOf(q.inputs.redrivePolicy),
      sse: q.inputs.sqsManagedSseEnabled === true,
    };
  }
  const rules: Messaging["rules"] = {};
  for (const r of mocks.ofType("aws:cloudwatch/eventRule:EventRule")) {
    rules[r.inputs.name] = {
      pattern: JSON.parse(r.inputs.eventPattern),
      targets: mocks
        .ofType("aws:cloudwatch/eventTarget:EventTarget")
        .filter((x) => x.inputs.rule === r.inputs.name)
        .map((x) => targetOf(x.inputs.targetId, x.inputs.arn))
        .sort(),
    };
  }
  const only = (type: string, field = "name"): string => {
    const [resource, ...rest] = mocks.ofType(type);
    expect(rest, type).toEqual([]);
    return resource?.inputs[field];
  };
  const topics = mocks.ofType("aws:sns/topic:Topic").map((x) => x.inputs.name as string);
  const logGroups = mocks.ofType("aws:cloudwatch/logGroup:LogGroup").map((x) => x.inputs.name as string);
  return {
    names: {
      bus: only("aws:cloudwatch/eventBus:EventBus"),
      archive: only("aws:cloudwatch/eventArchive:EventArchive"),
      bucket: only("aws:s3/bucket:Bucket", "bucket"),
      // The alarm topic and the ECS log groups are AWS-only (no ECS or alarms on LocalStack).
      notificationsTopic: topics.find((n) => n.endsWith("-report-notifications")) ?? "(none)",
      auditLogGroup: logGroups.find((n) => n.startsWith("/aws/events/")) ?? "(none)",
    },
    queues,
    rules,
  };
}

describe("infra/ and the LocalStack bootstrap", () => {
  let t: TestTopology;
  let local: Messaging;
  let declared: Messaging;

  beforeAll(async () => {
    t = await createTestTopology();
    local = await readLocalStack(t);
    declared = await readPulumi(t.provisioned.topology.prefix);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("build the same bus, archive, bucket, topic, log group, queues (DLQ wiring, SSE), rules, patterns and targets", () => {
    // Guard against comparing two empty sets.
    expect(Object.keys(local.queues)).toHaveLength(8);
    expect(Object.keys(local.rules)).toHaveLength(3);
    expect(declared).toEqual(local);
  });
});
