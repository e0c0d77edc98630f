/**
 * The front door under Pulumi mocks (issue 18): the REST API built from events/front-door.ts, who its
 * resource policy lets in, throttling, the Snowflake integration role, the network path (API gateway ->
 * VPC link -> internal NLB -> intake) and the intake service it leads to. Two stacks under one set of
 * mocks, told apart by prefix: one configured (producers, Snowflake's identity, overrides), one on defaults.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  API_STAGE,
  API_THROTTLE,
  GATEWAY_HEADERS,
  integrationRequestParameters,
  methodRequestParameters,
  ROUTES,
  type RouteSpec,
} from "#events/front-door.js";
import { AUDIT_PREFIX } from "#events/s3-layout.js";
import { GATEWAY_TOKEN_VERSION_LABEL } from "#infra/components/ecs.js";
import { type InfraConfig, parseInfraConfig } from "#infra/config.js";
import { configInput } from "../fixtures/config.js";
import {
  installMocks,
  isSecretInput,
  MOCK_ACCOUNT,
  MOCK_REGION,
  plain,
  type RecordedResource,
} from "../support/pulumi-mocks.js";

const mocks = installMocks();
const { createPipeline } = await import("#infra/pipeline.js");

const PRODUCERS = [
  "arn:aws:iam::123456789012:role/report-producer",
  "arn:aws:iam::210987654321:role/teams/finance-submitter",
  "arn:aws:iam::123456789012:user/reports-cli",
];
const SNOWFLAKE_USER = "arn:aws:iam::999999999999:user/abc1-s-v2st1234";
const SNOWFLAKE_EXTERNAL_ID = "AB12345_SFCRole=2_abcdefghijklmnopqrstuvwx=";
const TOKENS = {
  "rp-fd": "configured-stack-token_0123456789abcdefghijklmnop",
  "rp-fd0": "default-stack-token_0123456789abcdefghijklmnopqrs",
} as const;
type Stack = keyof typeof TOKENS;

const base = configInput();
const CONFIGS: Record<Stack, InfraConfig> = {
  "rp-fd": parseInfraConfig({
    ...base,
    prefix: "rp-fd",
    gatewayToken: TOKENS["rp-fd"],
    snowflake: {
      secretName: "rp-fd/snowflake",
      apiIntegration: { iamUserArn: SNOWFLAKE_USER, externalId: SNOWFLAKE_EXTERNAL_ID },
    },
    frontDoor: {
      producerPrincipals: PRODUCERS,
      throttle: { rateLimit: 7, burstLimit: 11 },
      dailyQuota: 5000,
      manageAccountLogRole: true,
    },
  }),
  "rp-fd0": parseInfraConfig({
    ...base,
    prefix: "rp-fd0",
    gatewayToken: TOKENS["rp-fd0"],
    snowflake: { secretName: "rp-fd0/snowflake" },
  }),
};

// Several stacks' worth of resources under mocks: more than vitest's default 10 s on a loaded machine.
beforeAll(async () => {
  for (const config of Object.values(CONFIGS)) createPipeline(config);
  await mocks.settle();
}, 60_000);

/** The resources of one stack (every name the program gives starts with `<prefix>-`). */
const of = (stack: Stack, type: string) => mocks.ofType(type).filter((r) => r.name.startsWith(`${stack}-`));
const one = (stack: Stack, type: string, name: string): RecordedResource => {
  const found = of(stack, type).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
  return found[0] as RecordedResource;
};
const api = (stack: Stack) => one(stack, "aws:apigateway/restApi:RestApi", `${stack}-report-api`);

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: string | { AWS?: string | string[]; Service?: string };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const glob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`).test(value);

/** The full path of an API Gateway resource id, walking parentId up to the API's root. */
function pathOf(stack: Stack, resourceId: string): string {
  if (resourceId === api(stack).state.rootResourceId) return "";
  const resource = of(stack, "aws:apigateway/resource:Resource").find((r) => r.id === resourceId);
  if (!resource) throw new Error(`no resource ${resourceId}`);
  return `${pathOf(stack, resource.inputs.parentId)}/${resource.inputs.pathPart}`;
}
const routeKey = (method: string, path: string) => `${method} ${path}`;

describe.each(Object.keys(TOKENS) as Stack[])("REST API of %s", (stack) => {
  it("is one regional API named after the prefix", () => {
    expect(of(stack, "aws:apigateway/restApi:RestApi")).toHaveLength(1);
    expect(api(stack).inputs).toMatchObject({
      name: `${stack}-report-api`,
      endpointConfiguration: { types: "REGIONAL" },
    });
  });

  it("has exactly one IAM-authorized method per route, on the route's path, with its path parameters", () => {
    const methods = of(stack, "aws:apigateway/method:Method");
    expect(
      methods.map((m) => routeKey(m.inputs.httpMethod, pathOf(stack, m.inputs.resourceId))).sort(),
    ).toEqual(ROUTES.map((r) => routeKey(r.method, r.path)).sort());
    for (const route of ROUTES) {
      const method = methods.find(
        (m) =>
          routeKey(m.inputs.httpMethod, pathOf(stack, m.inputs.resourceId)) ===
          routeKey(route.method, route.path),
      );
      expect(method?.inputs.authorization, route.id).toBe("AWS_IAM");
      expect(method?.inputs.apiKeyRequired ?? false, route.id).toBe(false);
      expect(method?.inputs.requestParameters ?? {}, route.id).toEqual(methodRequestParameters(route));
    }
  });

  it("proxies every route over the VPC link to the NLB, mapping the caller's identity and the token", () => {
    const nlb = one(stack, "aws:lb/loadBalancer:LoadBalancer", `${stack}-intake-nlb`);
    const link = one(stack, "aws:apigateway/vpcLink:VpcLink", `${stack}-intake-link`);
    const integrations = of(stack, "aws:apigateway/integration:Integration");
    expect(integrations).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      const integration = integrations.find(
        (i) =>
          routeKey(i.inputs.httpMethod, pathOf(stack, i.inputs.resourceId)) ===
          routeKey(route.method, route.path),
      );
      expect(integration?.inputs, route.id).toMatchObject({
        type: "HTTP_PROXY",
        connectionType: "VPC_LINK",
        connectionId: link.id,
        integrationHttpMethod: route.method,
        uri: `http://${nlb.state.dnsName}:80${route.path}`,
      });
      // The mapping holds the token: it must reach the provider (and the state) as a secret.
      const parameters = integration?.inputs.requestParameters;
      expect(isSecretInput(parameters), route.id).toBe(true);
      expect(plain(parameters), route.id).toEqual(integrationRequestParameters(route, TOKENS[stack]));
      expect(plain(parameters)[`integration.request.header.${GATEWAY_HEADERS.callerArn}`]).toBe(
        "context.identity.userArn",
      );
      expect(plain(parameters)[`integration.request.header.${GATEWAY_HEADERS.token}`]).toBe(
        `'${TOKENS[stack]}'`,
      );
    }
  });

  it("has the gateway token in no resource input except as a secret", () => {
    const redact = (v: unknown): unknown =>
      isSecretInput(v)
        ? "[secret]"
        : Array.isArray(v)
          ? v.map(redact)
          : typeof v === "object" && v !== null
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]))
            : v;
    const plainInputs = mocks.resources.map((r) => JSON.stringify(redact(r.inputs)));
    expect(plainInputs.length).toBeGreaterThan(50);
    for (const inputs of plainInputs) expect(inputs).not.toContain(TOKENS[stack]);
    // …and the redaction is what hides it (the mapping does carry it).
    expect(mocks.resources.map((r) => JSON.stringify(r.inputs)).some((s) => s.includes(TOKENS[stack]))).toBe(
      true,
    );
  });

  it("deploys to the v1 stage with JSON access logs of who called what, and no data trace", () => {
    const stage = one(stack, "aws:apigateway/stage:Stage", `${stack}-report-api-stage`);
    const deployment = one(stack, "aws:apigateway/deployment:Deployment", `${stack}-report-api-deployment`);
    const logGroup = mocks
      .ofType("aws:cloudwatch/logGroup:LogGroup")
      .find((g) => g.inputs.name === `/aws/apigateway/${stack}-report-api`);
    expect(stage.inputs).toMatchObject({
      stageName: API_STAGE,
      restApi: api(stack).id,
      deployment: deployment.id,
    });
    expect(logGroup?.inputs.retentionInDays).toBe(CONFIGS[stack].retention.logDays);
    expect(stage.inputs.accessLogSettings.destinationArn).toBe(logGroup?.state.arn);
    const format = JSON.parse(stage.inputs.accessLogSettings.format);
    expect(format).toMatchObject({
      requestId: "$context.requestId",
      userArn: "$context.identity.userArn",
      sourceIp: "$context.identity.sourceIp",
      httpMethod: "$context.httpMethod",
      resourcePath: "$context.resourcePath",
      status: "$context.status",
      responseLength: "$context.responseLength",
      integrationLatency: "$context.integration.latency",
      integrationStatus: "$context.integration.status",
    });
    expect(stage.inputs.accessLogSettings.format).not.toMatch(/header|token/i);
    const [settings, ...more] = of(stack, "aws:apigateway/methodSettings:MethodSettings");
    expect(more).toEqual([]);
    expect(settings?.inputs).toMatchObject({
      restApi: api(stack).id,
      stageName: API_STAGE,
      methodPath: "*/*",
    });
    expect(settings?.inputs.settings).toMatchObject({ metricsEnabled: true, dataTraceEnabled: false });
  });

  it("throttles every method of the stage, and the usage plan, with the configured (or the contract's) limits", () => {
    const expected = stack === "rp-fd" ? { rateLimit: 7, burstLimit: 11 } : API_THROTTLE;
    const [settings] = of(stack, "aws:apigateway/methodSettings:MethodSettings");
    expect(settings?.inputs.settings).toMatchObject({
      throttlingRateLimit: expected.rateLimit,
      throttlingBurstLimit: expected.burstLimit,
    });
    const [plan, ...more] = of(stack, "aws:apigateway/usagePlan:UsagePlan");
    expect(more).toEqual([]);
    expect(plan?.inputs).toMatchObject({
      apiStages: [{ apiId: api(stack).id, stage: API_STAGE }],
      throttleSettings: { rateLimit: expected.rateLimit, burstLimit: expected.burstLimit },
      quotaSettings: { limit: stack === "rp-fd" ? 5000 : 100_000, period: "DAY" },
    });
  });

  it("sets the account's API Gateway log role only when asked to", () => {
    const accounts = of(stack, "aws:apigateway/account:Account");
    if (stack === "rp-fd0") {
      expect(accounts).toEqual([]);
      return;
    }
    const role = one(stack, "aws:iam/role:Role", `${stack}-apigateway-logs`);
    expect(accounts.map((a) => a.inputs.cloudwatchRoleArn)).toEqual([role.state.arn]);
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).toEqual({
      Service: "apigateway.amazonaws.com",
    });
    const [attachment] = of(stack, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    expect(attachment?.inputs.policyArn).toBe(
      "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
    );
  });
});

describe("resource policy", () => {
  const statementsOf = (stack: Stack): Statement[] => {
    const policy = one(stack, "aws:apigateway/restApiPolicy:RestApiPolicy", `${stack}-report-api-policy`);
    expect(policy.inputs.restApiId).toBe(api(stack).id);
    return JSON.parse(policy.inputs.policy).Statement;
  };
  const snowflakeRoleArn = (stack: Stack) =>
    one(stack, "aws:iam/role:Role", `${stack}-snowflake-intake`).state.arn as string;

  /** The request as the resource policy sees it: `execute-api:/v1/GET/jobs/J1` for GET /jobs/J1. */
  const resourceOf = (route: RouteSpec) =>
    `execute-api:/${API_STAGE}/${route.method}${route.path.replace("{jobId}", "J1")}`;

  /**
   * API Gateway's evaluation for a caller in the API's account: an explicit Deny wins; otherwise the
   * request is allowed if the resource policy allows it or the caller's own IAM policy does.
   */
  function admitted(
    statements: Statement[],
    principalArn: string,
    route: RouteSpec,
    identityPolicyAllows: boolean,
  ): boolean {
    const resource = resourceOf(route);
    const applies = (s: Statement) =>
      list(s.Action).some((a) => glob(a, "execute-api:Invoke")) &&
      list(s.Resource).some((r) => glob(r, resource));
    const conditionHolds = (s: Statement) =>
      Object.entries(s.Condition ?? {}).every(([operator, entries]) =>
        Object.entries(entries).every(([key, patterns]) => {
          if (key !== "aws:PrincipalArn") throw new Error(`unexpected condition key ${key}`);
          if (operator === "ArnNotLike") return !list(patterns).some((p) => glob(p, principalArn));
          if (operator === "ArnLike") return list(patterns).some((p) => glob(p, principalArn));
          throw new Error(`unexpected operator ${operator}`);
        }),
      );
    const principalMatches = (s: Statement) =>
      s.Principal === "*" ||
      (typeof s.Principal === "object" && list(s.Principal.AWS).some((p) => p === "*" || p === principalArn));
    const matching = statements.filter((s) => applies(s) && principalMatches(s) && conditionHolds(s));
    if (matching.some((s) => s.Effect === "Deny")) return false;
    return matching.some((s) => s.Effect === "Allow") || identityPolicyAllows;
  }

  const producerRoutes = ROUTES.filter((r) => r.callers.includes("producer"));
  const snowflakeRoutes = ROUTES.filter((r) => r.callers.includes("snowflake"));

  it("covers every route with one class of caller (the contract's routes are producer or Snowflake routes)", () => {
    expect([...producerRoutes, ...snowflakeRoutes].map((r) => r.id).sort()).toEqual(
      ROUTES.map((r) => r.id).sort(),
    );
    expect(snowflakeRoutes.map((r) => routeKey(r.method, r.path))).toEqual(["POST /snowflake/submit"]);
  });

  it("allows exactly the configured producers on the producer routes and the Snowflake role on its route", () => {
    const allows = statementsOf("rp-fd").filter((s) => s.Effect === "Allow");
    expect(allows).toHaveLength(2);
    const producers = allows.find((s) => list(s.Resource).includes(`execute-api:/${API_STAGE}/POST/jobs`));
    expect(producers?.Principal).toEqual({ AWS: PRODUCERS });
    expect(list(producers?.Resource).sort()).toEqual(
      [`execute-api:/${API_STAGE}/POST/jobs`, `execute-api:/${API_STAGE}/GET/jobs/*`].sort(),
    );
    const snowflake = allows.find((s) => s !== producers);
    expect(snowflake?.Principal).toEqual({ AWS: [snowflakeRoleArn("rp-fd")] });
    expect(list(snowflake?.Resource)).toEqual([`execute-api:/${API_STAGE}/POST/snowflake/submit`]);
  });

  it.each(
    ROUTES.flatMap((route) => [
      ...PRODUCERS.map(
        (p) => [routeKey(route.method, route.path), p, route.callers.includes("producer"), route] as const,
      ),
      [routeKey(route.method, route.path), "snowflake", route.callers.includes("snowflake"), route] as const,
    ]),
  )(
    "%s by %s -> admitted=%s (even when the caller's own IAM policy allows everything)",
    (_key, who, expected, route) => {
      // Prepare
      const statements = statementsOf("rp-fd");
      const principal = who === "snowflake" ? snowflakeRoleArn("rp-fd") : who;
      // Act + Assess
      expect(admitted(statements, principal, route, true)).toBe(expected);
      expect(admitted(statements, principal, route, false)).toBe(expected);
    },
  );

  it.each(ROUTES)(
    "refuses everyone else on $method $path, also a same-account role IAM allows to invoke",
    (route) => {
      const statements = statementsOf("rp-fd");
      for (const outsider of [
        `arn:aws:iam::${MOCK_ACCOUNT}:role/admin`,
        `arn:aws:iam::${MOCK_ACCOUNT}:role/report-producer-2`,
        `arn:aws:iam::${MOCK_ACCOUNT}:user/report-producer`,
        "arn:aws:iam::111111111111:role/report-producer",
        `arn:aws:iam::${MOCK_ACCOUNT}:role/rp-fd-worker-task`,
      ])
        expect(admitted(statements, outsider, route, true), outsider).toBe(false);
    },
  );

  it("denies everyone but the admitted principals, by aws:PrincipalArn (a role's sessions carry its ARN there)", () => {
    const denies = statementsOf("rp-fd").filter((s) => s.Effect === "Deny");
    expect(
      denies.map((s) => ({
        principal: s.Principal,
        condition: s.Condition,
        resources: list(s.Resource).sort(),
      })),
    ).toEqual([
      {
        principal: "*",
        condition: { ArnNotLike: { "aws:PrincipalArn": PRODUCERS } },
        resources: [`execute-api:/${API_STAGE}/GET/jobs/*`, `execute-api:/${API_STAGE}/POST/jobs`],
      },
      {
        principal: "*",
        condition: { ArnNotLike: { "aws:PrincipalArn": [snowflakeRoleArn("rp-fd")] } },
        resources: [`execute-api:/${API_STAGE}/POST/snowflake/submit`],
      },
    ]);
  });

  it("with no producers configured, allows only the Snowflake role and denies the producer routes to all", () => {
    const statements = statementsOf("rp-fd0");
    expect(statements.filter((s) => s.Effect === "Allow").map((s) => s.Principal)).toEqual([
      { AWS: [snowflakeRoleArn("rp-fd0")] },
    ]);
    for (const route of producerRoutes)
      expect(admitted(statements, `arn:aws:iam::${MOCK_ACCOUNT}:role/report-producer`, route, true)).toBe(
        false,
      );
    for (const route of snowflakeRoutes)
      expect(admitted(statements, snowflakeRoleArn("rp-fd0"), route, false)).toBe(true);
  });
});

describe("Snowflake API integration role", () => {
  const role = (stack: Stack) => one(stack, "aws:iam/role:Role", `${stack}-snowflake-intake`);
  const trust = (stack: Stack): Statement[] => JSON.parse(role(stack).inputs.assumeRolePolicy).Statement;

  it("trusts only the configured Snowflake user, and only with the integration's external id", () => {
    expect(trust("rp-fd")).toEqual([
      {
        Effect: "Allow",
        Principal: { AWS: SNOWFLAKE_USER },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": SNOWFLAKE_EXTERNAL_ID } },
      },
    ]);
  });

  it("before the integration exists, trusts nobody who can assume a role (the account's root user, a fixed id)", () => {
    const root = `arn:aws:iam::${MOCK_ACCOUNT}:root`;
    const [statement, ...more] = trust("rp-fd0");
    expect(more).toEqual([]);
    expect(statement).toMatchObject({ Effect: "Allow", Principal: { AWS: root }, Action: "sts:AssumeRole" });
    expect(statement?.Condition?.ArnEquals).toEqual({ "aws:PrincipalArn": root });
    expect(statement?.Condition?.StringEquals?.["sts:ExternalId"]).toMatch(/not-configured/);
    expect(JSON.stringify(statement)).not.toContain("snowflake-user");
  });

  it.each(Object.keys(TOKENS) as Stack[])(
    "%s: may invoke POST /snowflake/submit of this API's stage, nothing else",
    (stack) => {
      const policy = of(stack, "aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === role(stack).id);
      expect(JSON.parse(policy?.inputs.policy).Statement).toEqual([
        {
          Sid: "InvokeSnowflakeSubmit",
          Effect: "Allow",
          Action: ["execute-api:Invoke"],
          Resource: [`${api(stack).state.executionArn}/${API_STAGE}/POST/snowflake/submit`],
        },
      ]);
    },
  );
});

describe.each(Object.keys(TOKENS) as Stack[])("network path of %s", (stack) => {
  const group = (suffix: string) => one(stack, "aws:ec2/securityGroup:SecurityGroup", `${stack}-${suffix}`);
  const ingress = () => of(stack, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
  const egress = () => of(stack, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");

  it("puts an internal NLB in the configured subnets, its group enforcing no rule on PrivateLink traffic", () => {
    const nlb = one(stack, "aws:lb/loadBalancer:LoadBalancer", `${stack}-intake-nlb`);
    expect(nlb.inputs).toMatchObject({
      loadBalancerType: "network",
      internal: true,
      subnets: CONFIGS[stack].network.subnetIds,
      securityGroups: [group("intake-nlb").id],
      enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: "off",
    });
    const link = one(stack, "aws:apigateway/vpcLink:VpcLink", `${stack}-intake-link`);
    expect(link.inputs.targetArn).toBe(nlb.state.arn);
  });

  it("admits nothing to the NLB's group, which only reaches the intake's group on 8080", () => {
    const nlbGroup = group("intake-nlb");
    expect(nlbGroup.inputs.ingress ?? []).toEqual([]);
    expect(ingress().filter((r) => r.inputs.securityGroupId === nlbGroup.id)).toEqual([]);
    expect(
      egress()
        .filter((r) => r.inputs.securityGroupId === nlbGroup.id)
        .map((r) => r.inputs),
    ).toEqual([
      expect.objectContaining({
        referencedSecurityGroupId: group("intake").id,
        ipProtocol: "tcp",
        fromPort: 8080,
        toPort: 8080,
      }),
    ]);
  });

  it("admits only the NLB's group to the intake's group (no CIDR), on 8080; out only HTTPS", () => {
    const intakeGroup = group("intake");
    expect(intakeGroup.inputs.ingress ?? []).toEqual([]);
    const rules = ingress().filter((r) => r.inputs.securityGroupId === intakeGroup.id);
    expect(rules.map((r) => r.inputs)).toEqual([
      expect.objectContaining({
        referencedSecurityGroupId: group("intake-nlb").id,
        ipProtocol: "tcp",
        fromPort: 8080,
        toPort: 8080,
      }),
    ]);
    for (const rule of rules) {
      expect(rule.inputs.cidrIpv4).toBeUndefined();
      expect(rule.inputs.cidrIpv6).toBeUndefined();
      expect(rule.inputs.prefixListId).toBeUndefined();
    }
    expect(
      egress()
        .filter((r) => r.inputs.securityGroupId === intakeGroup.id)
        .map((r) => [r.inputs.fromPort, r.inputs.toPort]),
    ).toEqual([[443, 443]]);
  });

  it("forwards TCP :80 to an ip target group on 8080 health-checked on /health/live, which the intake service joins", () => {
    const nlb = one(stack, "aws:lb/loadBalancer:LoadBalancer", `${stack}-intake-nlb`);
    const targets = one(stack, "aws:lb/targetGroup:TargetGroup", `${stack}-intake-targets`);
    expect(targets.inputs).toMatchObject({
      targetType: "ip",
      protocol: "TCP",
      port: 8080,
      vpcId: CONFIGS[stack].network.vpcId,
      healthCheck: { protocol: "HTTP", path: "/health/live" },
    });
    const listener = one(stack, "aws:lb/listener:Listener", `${stack}-intake-listener`);
    expect(listener.inputs).toMatchObject({
      loadBalancerArn: nlb.state.arn,
      protocol: "TCP",
      port: 80,
      defaultActions: [{ type: "forward", targetGroupArn: targets.state.arn }],
    });
    const service = one(stack, "aws:ecs/service:Service", `${stack}-intake`);
    expect(service.inputs.loadBalancers).toEqual([
      { targetGroupArn: targets.state.arn, containerName: "intake", containerPort: 8080 },
    ]);
    expect(service.inputs.networkConfiguration.securityGroups).toEqual([group("intake").id]);
    // Only the intake sits behind the NLB.
    const behind = of(stack, "aws:ecs/service:Service").filter(
      (s) => (s.inputs.loadBalancers ?? []).length > 0,
    );
    expect(behind.map((s) => s.name)).toEqual([`${stack}-intake`]);
  });
});

describe("intake and worker tasks", () => {
  const stack: Stack = "rp-fd";
  const container = (id: string) => {
    const td = one(stack, "aws:ecs/taskDefinition:TaskDefinition", `${stack}-${id}`);
    return JSON.parse(td.inputs.containerDefinitions)[0] as {
      command: string[];
      environment: { name: string; value: string }[];
      secrets?: { name: string; valueFrom: string }[];
      stopTimeout: number;
      healthCheck: { command: string[] };
      portMappings: { containerPort: number }[];
    };
  };
  const secretArn = (suffix: string) =>
    one(stack, "aws:secretsmanager/secret:Secret", `${stack}-${suffix}`).state.arn as string;
  const statements = (id: string): Statement[] => {
    const policy = of(stack, "aws:iam/rolePolicy:RolePolicy").find(
      (p) => p.inputs.role === `${stack}-${id}-task`,
    );
    return JSON.parse(policy?.inputs.policy).Statement;
  };

  it("runs the intake's own entry point, serving 8080 on all interfaces for the NLB", () => {
    const intake = container("intake");
    const env = Object.fromEntries(intake.environment.map((e) => [e.name, e.value]));
    const queue = mocks.ofType("aws:sqs/queue:Queue").find((q) => q.inputs.name === `${stack}-report-jobs`);
    expect(intake.command).toEqual(["node", "dist/services/intake/main.js"]);
    expect(env).toEqual({
      AWS_REGION: CONFIGS[stack].region,
      REPORTS_PREFIX: stack,
      REPORTS_BUCKET: `${stack}-reports`,
      TMPDIR: "/tmp",
      JOBS_QUEUE_URL: queue?.state.url,
      LOG_LEVEL: "info",
      HTTP_PORT: "8080",
      HTTP_HOST: "0.0.0.0",
    });
    expect(intake.portMappings).toEqual([{ containerPort: 8080, protocol: "tcp" }]);
    expect(intake.healthCheck.command.join(" ")).toContain("http://127.0.0.1:8080/health/live");
    expect(intake.stopTimeout).toBe(30);
  });

  it("gives the intake its two secrets and never INTAKE_LOCAL_CALLER", () => {
    const intake = container("intake");
    expect(intake.secrets).toEqual([
      { name: "INTAKE_JOB_ID_KEY", valueFrom: secretArn("intake-job-id-key") },
      { name: "INTAKE_GATEWAY_TOKEN", valueFrom: secretArn("intake-gateway-token") },
    ]);
    const names = [...intake.environment, ...(intake.secrets ?? [])].map((e) => e.name);
    expect(names).not.toContain("INTAKE_LOCAL_CALLER");
  });

  it("stores the token from the stack config, as a secret, in the secret ECS injects", () => {
    const [version, ...more] = of(stack, "aws:secretsmanager/secretVersion:SecretVersion");
    expect(more).toEqual([]);
    // A new token is a new secret version, which rolls the intake's tasks (ECS reads secrets at start only).
    expect(version?.state.versionId).toBeTruthy();
    const labels = (container("intake") as unknown as { dockerLabels?: Record<string, string> }).dockerLabels;
    expect(labels).toEqual({ [GATEWAY_TOKEN_VERSION_LABEL]: version?.state.versionId });
    expect(version?.inputs.secretId).toBe(
      one(stack, "aws:secretsmanager/secret:Secret", `${stack}-intake-gateway-token`).id,
    );
    expect(isSecretInput(version?.inputs.secretString)).toBe(true);
    expect(plain(version?.inputs.secretString)).toBe(TOKENS[stack]);
  });

  it("lets the intake enqueue jobs and read the audit trail, and nothing of the worker's", () => {
    const intake = statements("intake");
    const queueArn = `arn:aws:sqs:${MOCK_REGION}:${MOCK_ACCOUNT}:${stack}-report-jobs`;
    expect(intake.find((s) => list(s.Action).includes("sqs:SendMessage"))?.Resource).toEqual([queueArn]);
    expect(intake.find((s) => list(s.Action).includes("s3:GetObject"))?.Resource).toEqual([
      `arn:aws:s3:::${stack}-reports/${AUDIT_PREFIX}*`,
    ]);
    expect(intake.find((s) => list(s.Action).includes("s3:ListBucket"))?.Condition).toEqual({
      StringLike: { "s3:prefix": [`${AUDIT_PREFIX}*`] },
    });
  });

  it("takes the job-id key and sqs:SendMessage away from the worker", () => {
    const worker = container("worker");
    const names = [...worker.environment, ...(worker.secrets ?? [])].map((e) => e.name);
    expect(names).not.toContain("INTAKE_JOB_ID_KEY");
    expect(names).not.toContain("INTAKE_GATEWAY_TOKEN");
    expect(statements("worker").flatMap((s) => list(s.Action))).not.toContain("sqs:SendMessage");
    // Still there: what it consumes with, and the redrive policy it reads.
    expect(statements("worker").flatMap((s) => list(s.Action))).toEqual(
      expect.arrayContaining(["sqs:ReceiveMessage", "sqs:GetQueueAttributes"]),
    );
  });

  it("scales the intake on the API's requests per running task, not on a queue", () => {
    // Prepare
    const name = `${stack}-intake`;
    const policies = mocks
      .ofType("aws:appautoscaling/policy:Policy")
      .filter((p) => String(p.inputs.name).startsWith(`${name}-`));
    expect(policies.map((p) => p.inputs.name)).toEqual([`${name}-requests-per-task`]);
    const tracking = policies[0]?.inputs.targetTrackingScalingPolicyConfiguration;
    const metrics: {
      id: string;
      expression?: string;
      returnData?: boolean;
      metricStat?: { stat: string; metric: { namespace: string; metricName: string; dimensions: object[] } };
    }[] = tracking.customizedMetricSpecification.metrics;
    // Act
    const returned = metrics.filter((m) => m.returnData);
    const metric = (metricId: string) => metrics.find((m) => m.id === metricId)?.metricStat;
    // Assess
    expect(tracking.targetValue).toBe(CONFIGS[stack].services.intake.requestsPerTaskTarget);
    expect(returned).toHaveLength(1);
    expect(returned[0]?.expression).toMatch(/^FILL\(requests, 0\) \/ tasks$/);
    expect(metric("requests")).toEqual({
      stat: "Sum",
      metric: {
        namespace: "AWS/ApiGateway",
        metricName: "Count",
        dimensions: [
          { name: "ApiName", value: `${stack}-report-api` },
          { name: "Stage", value: API_STAGE },
        ],
      },
    });
    expect(metric("tasks")?.metric).toEqual({
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensions: [
        { name: "ClusterName", value: `${stack}-cluster` },
        { name: "ServiceName", value: name },
      ],
    });
    const target = mocks
      .ofType("aws:appautoscaling/target:Target")
      .find((t) => t.inputs.resourceId === `service/${stack}-cluster/${name}`);
    expect(target?.inputs).toMatchObject({
      minCapacity: CONFIGS[stack].services.intake.minTasks,
      maxCapacity: CONFIGS[stack].services.intake.maxTasks,
    });
  });
});
