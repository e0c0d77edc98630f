/**
 * Pulumi unit-test mocks (no CLI, no provider plugin): every registered resource is recorded with its
 * resolved inputs, and gets the ARN/URL/name outputs AWS would give it, so policies that reference other
 * resources' ARNs resolve to realistic strings the tests can inspect.
 *
 * Call `installMocks()` before importing or running the program.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export const MOCK_REGION = "eu-west-1";
export const MOCK_ACCOUNT = "123456789012";

export interface RecordedResource {
  type: string;
  name: string;
  /** The physical id the mocks gave it (what `resource.id` resolves to). */
  id: string;
  // Resolved inputs as the provider would receive them; shapes vary per resource type.
  // biome-ignore lint/suspicious/noExplicitAny: test introspection of arbitrary provider inputs
  inputs: Record<string, any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  state: Record<string, any>;
}

const R = MOCK_REGION;
const A = MOCK_ACCOUNT;

/** A stable id per resource name, so that two resources of one type never share one (e.g. two groups). */
const hex = (name: string, length: number) =>
  createHash("sha256").update(name).digest("hex").slice(0, length);

// biome-ignore lint/suspicious/noExplicitAny: provider inputs are untyped here
function outputsFor(type: string, name: string, inputs: Record<string, any>): { id: string; extra: object } {
  const n: string = inputs.name ?? inputs.bucket ?? name;
  switch (type) {
    case "aws:sqs/queue:Queue": {
      const url = `https://sqs.${R}.amazonaws.com/${A}/${n}`;
      return { id: url, extra: { name: n, arn: `arn:aws:sqs:${R}:${A}:${n}`, url } };
    }
    case "aws:cloudwatch/eventBus:EventBus":
      return { id: n, extra: { name: n, arn: `arn:aws:events:${R}:${A}:event-bus/${n}` } };
    case "aws:cloudwatch/eventRule:EventRule":
      return {
        id: `${inputs.eventBusName}|${n}`,
        extra: { name: n, arn: `arn:aws:events:${R}:${A}:rule/${inputs.eventBusName}/${n}` },
      };
    case "aws:cloudwatch/eventArchive:EventArchive":
      return { id: n, extra: { arn: `arn:aws:events:${R}:${A}:archive/${n}` } };
    case "aws:s3/bucket:Bucket":
      return { id: n, extra: { bucket: n, arn: `arn:aws:s3:::${n}` } };
    case "aws:secretsmanager/secret:Secret": {
      const arn = `arn:aws:secretsmanager:${R}:${A}:secret:${n}-AbCdEf`;
      return { id: arn, extra: { name: n, arn } };
    }
    case "aws:sns/topic:Topic": {
      const arn = `arn:aws:sns:${R}:${A}:${n}`;
      return { id: arn, extra: { name: n, arn } };
    }
    case "aws:cloudwatch/logGroup:LogGroup":
      return { id: n, extra: { name: n, arn: `arn:aws:logs:${R}:${A}:log-group:${n}` } };
    case "aws:ecr/repository:Repository":
      return {
        id: n,
        extra: {
          name: n,
          arn: `arn:aws:ecr:${R}:${A}:repository/${n}`,
          repositoryUrl: `${A}.dkr.ecr.${R}.amazonaws.com/${n}`,
        },
      };
    case "aws:iam/role:Role":
      return { id: n, extra: { name: n, arn: `arn:aws:iam::${A}:role/${n}` } };
    case "aws:ecs/cluster:Cluster":
      return {
        id: `arn:aws:ecs:${R}:${A}:cluster/${n}`,
        extra: { name: n, arn: `arn:aws:ecs:${R}:${A}:cluster/${n}` },
      };
    case "aws:ecs/taskDefinition:TaskDefinition": {
      const arn = `arn:aws:ecs:${R}:${A}:task-definition/${inputs.family}:1`;
      return { id: inputs.family, extra: { arn } };
    }
    case "aws:ecs/service:Service":
      return { id: `arn:aws:ecs:${R}:${A}:service/${n}`, extra: { name: n } };
    case "aws:ec2/securityGroup:SecurityGroup": {
      const id = `sg-${hex(name, 17)}`;
      return { id, extra: { arn: `arn:aws:ec2:${R}:${A}:security-group/${id}` } };
    }
    case "aws:lb/loadBalancer:LoadBalancer": {
      const suffix = `net/${n}/${hex(name, 16)}`;
      return {
        id: `arn:aws:elasticloadbalancing:${R}:${A}:loadbalancer/${suffix}`,
        extra: {
          arn: `arn:aws:elasticloadbalancing:${R}:${A}:loadbalancer/${suffix}`,
          arnSuffix: suffix,
          dnsName: `${n}-${hex(name, 10)}.elb.${R}.amazonaws.com`,
        },
      };
    }
    case "aws:lb/targetGroup:TargetGroup": {
      const suffix = `targetgroup/${n}/${hex(name, 16)}`;
      const arn = `arn:aws:elasticloadbalancing:${R}:${A}:${suffix}`;
      return { id: arn, extra: { arn, arnSuffix: suffix } };
    }
    case "aws:apigateway/restApi:RestApi": {
      const id = hex(name, 10);
      return {
        id,
        extra: { rootResourceId: `root${hex(name, 6)}`, executionArn: `arn:aws:execute-api:${R}:${A}:${id}` },
      };
    }
    case "aws:secretsmanager/secretVersion:SecretVersion": {
      // Like Secrets Manager: a new value, a new version id.
      const versionId = hex(JSON.stringify(inputs.secretString ?? null), 32);
      return { id: `${inputs.secretId}|${versionId}`, extra: { versionId } };
    }
    case "aws:apigateway/vpcLink:VpcLink":
      return { id: `vl${hex(name, 6)}`, extra: {} };
    case "aws:scheduler/scheduleGroup:ScheduleGroup":
      return { id: n, extra: { name: n, arn: `arn:aws:scheduler:${R}:${A}:schedule-group/${n}` } };
    default:
      return { id: `${name}-id`, extra: { arn: `arn:aws:mock:${R}:${A}:${type}/${name}` } };
  }
}

export interface MockRecorder {
  resources: RecordedResource[];
  /** Resources of one type token, e.g. `aws:sqs/queue:Queue`. */
  ofType(type: string): RecordedResource[];
  /** Waits until every registration the program started has reached the mocks. */
  settle(): Promise<void>;
}

export function installMocks(): MockRecorder {
  const resources: RecordedResource[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const { id, extra } = outputsFor(args.type, args.name, args.inputs);
        const state = { ...args.inputs, ...extra };
        resources.push({ type: args.type, name: args.name, id, inputs: args.inputs, state });
        return { id, state };
      },
      call(args) {
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity")
          return { accountId: A, arn: `arn:aws:iam::${A}:user/mock`, userId: "mock" };
        if (args.token === "aws:index/getRegion:getRegion") return { name: R, region: R };
        return args.inputs;
      },
    },
    "report-pipeline",
    "unit",
    false,
  );
  return {
    resources,
    ofType: (type) => resources.filter((r) => r.type === type),
    async settle() {
      // `waitForRPCs` is exported by the runtime but marked @internal, so it is missing from the typings.
      const runtime = pulumi.runtime as unknown as { waitForRPCs(): Promise<void> };
      await runtime.waitForRPCs();
    },
  };
}

/**
 * Secrets reach the mocks as `{ [specialSigKey]: specialSecretSig, value }` (the wire form), so a test can
 * tell a secret input from a plain one. Both constants are the SDK's (runtime/rpc).
 */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretInput(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** The plain value of an input, secret or not. */
// biome-ignore lint/suspicious/noExplicitAny: provider inputs are untyped here
export function plain(value: unknown): any {
  return isSecretInput(value) ? value.value : value;
}

/** The value of an Output, for assertions. */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
