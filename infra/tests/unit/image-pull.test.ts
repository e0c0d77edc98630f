/**
 * Which image the execution role may pull: the stack's repository for a tag, the named ECR repository for a
 * full ECR reference, nothing from ECR for an image in another registry. Three stacks under one set of
 * mocks, told apart by prefix.
 */
import type * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { ecrImageOf, imagePullStatements } from "#infra/components/ecs.js";
import { InfraConfigError, isProductionStack, parseInfraConfig } from "#infra/config.js";
import { configInput } from "../fixtures/config.js";
import { installMocks, MOCK_ACCOUNT, MOCK_REGION } from "../support/pulumi-mocks.js";

const mocks = installMocks();
const { createPipeline } = await import("#infra/pipeline.js");

const SHARED_ACCOUNT = "210987654321";
const SHARED_REPO = "platform/report-pipeline";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const STACKS = {
  "rp-tag": "1.2.3",
  "rp-ecr": `${SHARED_ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/${SHARED_REPO}:2.0.0@${DIGEST}`,
  "rp-hub": "ghcr.io/acme/report-pipeline:2.0.0",
} as const;
type Stack = keyof typeof STACKS;

const options = new Map<string, pulumi.CustomResourceOptions>();
const recordOptions: pulumi.ResourceTransformation = ({ type, name, opts }) => {
  options.set(`${type}::${name}`, opts);
  return undefined;
};

// Several stacks' worth of resources under mocks: more than vitest's default 10 s on a loaded machine.
beforeAll(async () => {
  for (const [prefix, image] of Object.entries(STACKS)) {
    // No `protect` key: parseInfraConfig's default (readInfraConfig would default by stack name).
    const config = parseInfraConfig(
      configInput({ prefix, image, snowflake: { secretName: `${prefix}/snowflake` } }),
    );
    createPipeline(config, { transformations: [recordOptions] });
  }
  await mocks.settle();
}, 60_000);

interface Statement {
  Sid?: string;
  Action: string[];
  Resource: string[];
}
const executionStatements = (prefix: Stack): Statement[] => {
  const role = mocks
    .ofType("aws:iam/rolePolicy:RolePolicy")
    .find((p) => p.name === `${prefix}-task-execution-policy`);
  if (!role) throw new Error(`no execution policy for ${prefix}`);
  return JSON.parse(role.inputs.policy).Statement;
};
const ecrStatements = (prefix: Stack) =>
  executionStatements(prefix).filter((s) => s.Action.some((a) => a.startsWith("ecr:")));
const images = (prefix: Stack) =>
  new Set(
    mocks
      .ofType("aws:ecs/taskDefinition:TaskDefinition")
      .filter((t) => String(t.inputs.family).startsWith(`${prefix}-`))
      .map((t) => JSON.parse(t.inputs.containerDefinitions)[0].image),
  );

describe("ecrImageOf", () => {
  it("parses account, region and repository, with a tag, a digest, both or neither", () => {
    for (const suffix of ["", ":1.0", `@${DIGEST}`, `:1.0@${DIGEST}`]) {
      expect(ecrImageOf(`${SHARED_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${SHARED_REPO}${suffix}`)).toEqual(
        {
          account: SHARED_ACCOUNT,
          region: "us-east-1",
          repository: SHARED_REPO,
          repositoryArn: `arn:aws:ecr:us-east-1:${SHARED_ACCOUNT}:repository/${SHARED_REPO}`,
        },
      );
    }
  });

  it("uses the China partition for amazonaws.com.cn registries", () => {
    expect(ecrImageOf(`${SHARED_ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1`)?.repositoryArn).toBe(
      `arn:aws-cn:ecr:cn-north-1:${SHARED_ACCOUNT}:repository/app`,
    );
  });

  it("answers undefined for other registries and for a bare tag", () => {
    for (const image of [
      "ghcr.io/acme/app:1",
      "docker.io/library/node:24",
      "node:24",
      "1.2.3",
      "localhost:5000/app",
    ])
      expect(ecrImageOf(image), image).toBeUndefined();
  });

  it("refuses an ECR reference that could never be pulled, naming the config key", () => {
    for (const image of [
      `${SHARED_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/Upper/Case:1`,
      `${SHARED_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app:bad tag`,
      `${SHARED_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:short`,
    ]) {
      expect(() => ecrImageOf(image), image).toThrow(InfraConfigError);
      expect(() => ecrImageOf(image), image).toThrow("report-pipeline:image");
    }
  });

  it("builds no ECR statement for an image outside ECR", () => {
    expect(imagePullStatements("ghcr.io/acme/app:1", "arn:aws:ecr:eu-west-1:1:repository/x")).toEqual([]);
  });
});

describe("execution role image pull, per configured image", () => {
  it("pulls a tag from the stack's own repository", () => {
    const stackRepo = `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT}:repository/rp-tag-app`;
    expect(ecrStatements("rp-tag")).toEqual([
      expect.objectContaining({ Sid: "EcrLogin", Resource: ["*"] }),
      expect.objectContaining({ Sid: "PullImage", Resource: [stackRepo] }),
    ]);
    expect(images("rp-tag")).toEqual(
      new Set([`${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/rp-tag-app:1.2.3`]),
    );
  });

  it("pulls a full ECR reference from the repository it names, not from the stack's", () => {
    expect(ecrStatements("rp-ecr")).toEqual([
      expect.objectContaining({ Sid: "EcrLogin", Resource: ["*"] }),
      expect.objectContaining({
        Sid: "PullImage",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: [`arn:aws:ecr:eu-central-1:${SHARED_ACCOUNT}:repository/${SHARED_REPO}`],
      }),
    ]);
    expect(images("rp-ecr")).toEqual(new Set([STACKS["rp-ecr"]]));
  });

  it("grants no ECR permission at all for an image in another registry", () => {
    expect(ecrStatements("rp-hub")).toEqual([]);
    expect(images("rp-hub")).toEqual(new Set([STACKS["rp-hub"]]));
    // The rest of the execution role is unchanged.
    expect(executionStatements("rp-hub").map((s) => s.Sid)).toEqual(["WriteLogs", "InjectIntakeSecrets"]);
  });
});

describe("protection of stateful resources", () => {
  it("retains but does not protect them on a stack that does not ask for it", () => {
    for (const key of ["aws:s3/bucket:Bucket::rp-tag-reports", "aws:ecr/repository:Repository::rp-tag-app"]) {
      expect(options.get(key)?.retainOnDelete, key).toBe(true);
      expect(options.get(key)?.protect, key).toBe(false);
    }
  });

  it("defaults to protected on production stacks only", () => {
    for (const stack of ["prod", "production", "prod-eu", "prod_2"])
      expect(isProductionStack(stack), stack).toBe(true);
    for (const stack of ["dev", "unit", "preprod", "product", "staging"])
      expect(isProductionStack(stack), stack).toBe(false);
  });
});
