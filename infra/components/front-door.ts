/**
 * The front door (issue 18): the only way into the HTTP intake. A regional REST API with IAM authorization
 * on every route (events/front-door.ts ROUTES), a resource policy that admits exactly the configured
 * producers and the Snowflake integration role, stage throttling and access logs, and a VPC link to an
 * internal Network Load Balancer in front of the intake's ECS tasks.
 *
 *   caller ─SigV4─▶ API Gateway (AWS_IAM, resource policy, throttling)
 *                     └─ VPC link (PrivateLink) ─▶ internal NLB :80 ─▶ intake tasks :8080
 *
 * Nothing else reaches the intake: the NLB's security group has no inbound rule and does not enforce its
 * (empty) rules on PrivateLink traffic, so the VPC link is the one source it accepts; the intake's group
 * admits only the NLB's group. The gateway adds the caller's identity and a shared token to each request
 * (integrationRequestParameters); the intake refuses requests without the token.
 */
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  API_STAGE,
  type CallerClass,
  integrationRequestParameters,
  methodRequestParameters,
  pathSegments,
  ROUTES,
  type RouteSpec,
} from "#events/front-door.js";
import { buildTopology } from "#events/topology.js";
import { type PolicyStatement, policyDocument, policyJson } from "../iam.js";
import { INTAKE_PORT } from "./ecs.js";

/** The NLB's listener port, the port of the integrations' URIs (the target group forwards to INTAKE_PORT). */
export const FRONT_DOOR_LISTENER_PORT = 80;

/** The REST API's name: the topology's (events/topology.ts), the one the local door uses too. */
export const frontDoorApiName = (prefix: string) => buildTopology({ prefix }).api.name;

/**
 * The ExternalId the Snowflake role's placeholder trust asks for before the integration exists. Together
 * with the account-root condition it admits nobody: the root user cannot call AssumeRole.
 */
export const SNOWFLAKE_TRUST_PLACEHOLDER_EXTERNAL_ID = "report-pipeline-snowflake-integration-not-configured";

/** The account-level role API Gateway writes logs with (one per account and region). */
export const API_GATEWAY_LOGS_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs";

/**
 * One JSON line per request in the access log: who called (the IAM identity the gateway authenticated),
 * from where, what, and how the intake answered. No header values: the token never reaches a log.
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  requestTime: "$context.requestTime",
  userArn: "$context.identity.userArn",
  caller: "$context.identity.caller",
  accountId: "$context.identity.accountId",
  sourceIp: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationLatency: "$context.integration.latency",
  integrationStatus: "$context.integration.status",
  errorMessage: "$context.error.message",
});

/** The partition of a region (ARNs of AWS-managed policies, the account root). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** The stage's invoke URL, `https://<api>.execute-api.<region>.amazonaws.com/v1`. */
export function invokeUrl(apiId: string, region: string): string {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://${apiId}.execute-api.${region}.${suffix}/${API_STAGE}`;
}

/** A route as the tail of an execute-api ARN: `/<stage>/<METHOD>/<path>`, each path parameter a `*`. */
export function routeInvokePath(route: RouteSpec): string {
  return `/${API_STAGE}/${route.method}${route.path.replace(/\{[A-Za-z0-9_]+\}/g, "*")}`;
}

/**
 * A route as a resource of an API Gateway resource policy, `execute-api:/v1/GET/jobs/*`: the shorthand
 * API Gateway expands to this API's own ARN.
 */
export function executeApiResource(route: RouteSpec): string {
  return `execute-api:${routeInvokePath(route)}`;
}

/**
 * Load balancer and target group names: at most 32 letters, digits and hyphens. The stack prefix may
 * hold `_` and be longer; a long one is cut and made unique again with a hash of the whole prefix.
 */
export function elbName(prefix: string, suffix: string): string {
  const clean = prefix.replaceAll("_", "-");
  const full = `${clean}-${suffix}`;
  if (full.length <= 32) return full;
  const hash = createHash("sha256").update(prefix).digest("hex").slice(0, 6);
  return `${clean.slice(0, 32 - suffix.length - hash.length - 2)}-${hash}-${suffix}`;
}

export interface FrontDoorArgs {
  /** The topology prefix every name derives from. */
  prefix: string;
  region: string;
  accountId: pulumi.Input<string>;
  vpcId: string;
  /** Where the NLB's nodes go: the subnets the tasks run in. */
  subnetIds: string[];
  /** The proof-of-gateway token; a secret Output, kept secret in every resource it reaches. */
  gatewayToken: pulumi.Input<string>;
  /** IAM roles/users admitted to the producer routes. */
  producerPrincipals: string[];
  /** Snowflake's side of the API integration (both, or neither: then the role's trust admits nobody). */
  snowflake: { iamUserArn?: string | undefined; externalId?: string | undefined };
  /** Stage throttling of every method, and the usage plan's. */
  throttle: { rateLimit: number; burstLimit: number };
  dailyQuota: number;
  manageAccountLogRole: boolean;
  logRetentionDays: number;
  tags: Record<string, string>;
}

export class FrontDoor extends pulumi.ComponentResource {
  readonly nlbSecurityGroup: aws.ec2.SecurityGroup;
  /** The intake tasks' security group: in from the NLB only, out to HTTPS. */
  readonly intakeSecurityGroup: aws.ec2.SecurityGroup;
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly listener: aws.lb.Listener;
  readonly vpcLink: aws.apigateway.VpcLink;
  readonly api: aws.apigateway.RestApi;
  readonly methods: aws.apigateway.Method[];
  readonly integrations: aws.apigateway.Integration[];
  readonly apiPolicy: aws.apigateway.RestApiPolicy;
  readonly deployment: aws.apigateway.Deployment;
  readonly stage: aws.apigateway.Stage;
  readonly accessLogGroup: aws.cloudwatch.LogGroup;
  readonly usagePlan: aws.apigateway.UsagePlan;
  readonly snowflakeRole: aws.iam.Role;
  /** The intake's INTAKE_GATEWAY_TOKEN, in Secrets Manager for ECS to inject. */
  readonly gatewayTokenSecret: aws.secretsmanager.Secret;
  /** The version of its value: changes with the token, so the intake's tasks can be rolled with it. */
  readonly gatewayTokenVersionId: pulumi.Output<string>;
  /** The REST API's name (the `ApiName` dimension of its metrics). */
  readonly apiName: string;
  readonly invokeUrl: pulumi.Output<string>;
  /** The value for Snowflake's `API_ALLOWED_PREFIXES` (and `api_prefix` of sql/operations/). */
  readonly allowedPrefix: pulumi.Output<string>;

  constructor(name: string, args: FrontDoorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:FrontDoor", name, {}, opts);
    const { prefix, tags } = args;
    const parent = { parent: this };
    const n = (s: string) => `${prefix}-${s}`;
    const partition = partitionOf(args.region);
    const token = pulumi.secret(args.gatewayToken);

    // ---- network: NLB reachable only through PrivateLink, intake reachable only from the NLB ----
    this.nlbSecurityGroup = new aws.ec2.SecurityGroup(
      n("intake-nlb"),
      {
        name: n("intake-nlb"),
        description:
          "Front door NLB: no inbound rule (PrivateLink from the API gateway only), out to the intake",
        vpcId: args.vpcId,
        tags,
      },
      parent,
    );
    this.intakeSecurityGroup = new aws.ec2.SecurityGroup(
      n("intake"),
      {
        name: n("intake"),
        description: "Intake tasks: in from the front door NLB only, HTTPS out (AWS APIs)",
        vpcId: args.vpcId,
        tags,
      },
      parent,
    );
    // Separate rule resources, not inline blocks: the two groups refer to each other. (A group created
    // without inline egress loses AWS's default allow-all egress rule: the provider removes it.)
    new aws.vpc.SecurityGroupEgressRule(
      n("intake-nlb-to-intake"),
      {
        securityGroupId: this.nlbSecurityGroup.id,
        referencedSecurityGroupId: this.intakeSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: INTAKE_PORT,
        toPort: INTAKE_PORT,
        description: "Forwarded requests and health checks to the intake",
        tags,
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      n("intake-from-nlb"),
      {
        securityGroupId: this.intakeSecurityGroup.id,
        referencedSecurityGroupId: this.nlbSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: INTAKE_PORT,
        toPort: INTAKE_PORT,
        description: "From the front door NLB only",
        tags,
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      n("intake-https-out"),
      {
        securityGroupId: this.intakeSecurityGroup.id,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS: SQS, S3, ECR, CloudWatch Logs",
        tags,
      },
      parent,
    );

    this.loadBalancer = new aws.lb.LoadBalancer(
      n("intake-nlb"),
      {
        name: elbName(prefix, "intake"),
        loadBalancerType: "network",
        internal: true,
        subnets: args.subnetIds,
        securityGroups: [this.nlbSecurityGroup.id],
        // PrivateLink traffic (the VPC link) skips the group's inbound rules; there are none, so every
        // other source in the VPC is refused.
        enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: "off",
        // One task in one zone serves the NLB nodes of every zone (minTasks may be 1).
        enableCrossZoneLoadBalancing: true,
        tags,
      },
      parent,
    );
    this.targetGroup = new aws.lb.TargetGroup(
      n("intake-targets"),
      {
        name: elbName(prefix, "intake"),
        targetType: "ip",
        protocol: "TCP",
        port: INTAKE_PORT,
        vpcId: args.vpcId,
        // Connections come from the NLB's own addresses, so the intake's group can name the NLB's group.
        preserveClientIp: "false",
        // ECS waits for deregistration before SIGTERM; the intake's requests take seconds at most.
        deregistrationDelay: 20,
        healthCheck: {
          enabled: true,
          protocol: "HTTP",
          port: "traffic-port",
          path: "/health/live",
          matcher: "200",
          interval: 15,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
        tags,
      },
      parent,
    );
    this.listener = new aws.lb.Listener(
      n("intake-listener"),
      {
        loadBalancerArn: this.loadBalancer.arn,
        protocol: "TCP",
        port: FRONT_DOOR_LISTENER_PORT,
        defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
        tags,
      },
      parent,
    );
    this.vpcLink = new aws.apigateway.VpcLink(
      n("intake-link"),
      {
        name: n("intake-link"),
        description: "Front door -> intake NLB",
        targetArn: this.loadBalancer.arn,
        tags,
      },
      parent,
    );

    // ---- the shared token, for the intake (ECS injects it as INTAKE_GATEWAY_TOKEN) ----
    this.gatewayTokenSecret = new aws.secretsmanager.Secret(
      n("intake-gateway-token"),
      {
        name: n("intake-gateway-token"),
        description: `Proof-of-gateway token (INTAKE_GATEWAY_TOKEN); value from the stack config secret report-pipeline:gatewayToken`,
        // The value lives in the stack config, so nothing is lost with the secret: delete at once, which
        // also lets a re-created stack take the same name again.
        recoveryWindowInDays: 0,
        tags,
      },
      parent,
    );
    const tokenVersion = new aws.secretsmanager.SecretVersion(
      n("intake-gateway-token-value"),
      { secretId: this.gatewayTokenSecret.id, secretString: token },
      parent,
    );
    this.gatewayTokenVersionId = tokenVersion.versionId;

    // ---- the REST API: one resource per path segment, one method + integration per route ----
    this.apiName = frontDoorApiName(prefix);
    this.api = new aws.apigateway.RestApi(
      n("report-api"),
      {
        name: this.apiName,
        description: "Report pipeline front door: IAM-authorized job intake (routes: events/front-door.ts)",
        endpointConfiguration: { types: "REGIONAL" },
        tags,
      },
      parent,
    );
    const resources = new Map<string, aws.apigateway.Resource>();
    const resourceOf = (segments: string[]): pulumi.Input<string> => {
      if (segments.length === 0) return this.api.rootResourceId;
      const path = segments.join("/");
      const existing = resources.get(path);
      if (existing) return existing.id;
      const resource = new aws.apigateway.Resource(
        n(`api-${segments.map((s) => s.replace(/[{}]/g, "")).join("-")}`),
        {
          restApi: this.api.id,
          parentId: resourceOf(segments.slice(0, -1)),
          pathPart: segments.at(-1) ?? "",
        },
        parent,
      );
      resources.set(path, resource);
      return resource.id;
    };
    const nlbBase = pulumi.interpolate`http://${this.loadBalancer.dnsName}:${FRONT_DOOR_LISTENER_PORT}`;
    this.methods = [];
    this.integrations = [];
    for (const route of ROUTES) {
      const resourceId = resourceOf(pathSegments(route.path));
      const method = new aws.apigateway.Method(
        n(`api-${route.id}`),
        {
          restApi: this.api.id,
          resourceId,
          httpMethod: route.method,
          authorization: "AWS_IAM",
          requestParameters: methodRequestParameters(route),
        },
        parent,
      );
      const integration = new aws.apigateway.Integration(
        n(`api-${route.id}-integration`),
        {
          restApi: this.api.id,
          resourceId,
          httpMethod: method.httpMethod,
          type: "HTTP_PROXY",
          integrationHttpMethod: route.method,
          connectionType: "VPC_LINK",
          connectionId: this.vpcLink.id,
          uri: pulumi.interpolate`${nlbBase}${route.path}`,
          // The token is a secret Output; apply keeps the mapping (and so the state) secret.
          requestParameters: token.apply((t) => integrationRequestParameters(route, t)),
        },
        parent,
      );
      this.methods.push(method);
      this.integrations.push(integration);
    }

    // ---- the Snowflake API integration's role ----
    const rootArn = pulumi.interpolate`arn:${partition}:iam::${args.accountId}:root`;
    const { iamUserArn, externalId } = args.snowflake;
    const trust =
      iamUserArn !== undefined && externalId !== undefined
        ? {
            Effect: "Allow",
            Principal: { AWS: iamUserArn },
            Action: "sts:AssumeRole",
            // Snowflake presents the integration's external id: no other Snowflake account (confused
            // deputy) can make this user assume the role.
            Condition: { StringEquals: { "sts:ExternalId": externalId } },
          }
        : {
            // First pass (infra/README.md): the integration, and so its user and external id, is created
            // against this role's ARN, so the role must exist before Snowflake's side is known. Until then
            // it trusts only this account's root user, which cannot call AssumeRole, with a fixed id:
            // nobody can assume it.
            Effect: "Allow",
            Principal: { AWS: rootArn },
            Action: "sts:AssumeRole",
            Condition: {
              StringEquals: { "sts:ExternalId": SNOWFLAKE_TRUST_PLACEHOLDER_EXTERNAL_ID },
              ArnEquals: { "aws:PrincipalArn": rootArn },
            },
          };
    this.snowflakeRole = new aws.iam.Role(
      n("snowflake-intake"),
      {
        name: n("snowflake-intake"),
        description: "Snowflake API integration report_pipeline_api: invokes POST /snowflake/submit only",
        assumeRolePolicy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [trust] }),
        // Snowflake's calls are short; an hour is the default and more than enough.
        maxSessionDuration: 3600,
        tags,
      },
      parent,
    );
    const routesOf = (caller: CallerClass) => ROUTES.filter((r) => r.callers.includes(caller));
    const snowflakeArns = routesOf("snowflake").map(
      (r) => pulumi.interpolate`${this.api.executionArn}${routeInvokePath(r)}`,
    );
    new aws.iam.RolePolicy(
      n("snowflake-intake-policy"),
      {
        role: this.snowflakeRole.id,
        policy: policyJson(
          policyDocument({
            Sid: "InvokeSnowflakeSubmit",
            Effect: "Allow",
            Action: ["execute-api:Invoke"],
            Resource: snowflakeArns,
          }),
        ),
      },
      parent,
    );

    // ---- the resource policy: who may call which route ----
    const admitted: Record<CallerClass, pulumi.Input<string>[]> = {
      producer: args.producerPrincipals,
      snowflake: [this.snowflakeRole.arn],
    };
    const statements: PolicyStatement[] = [];
    for (const caller of ["producer", "snowflake"] as const) {
      const resources = routesOf(caller).map(executeApiResource);
      if (resources.length === 0) continue;
      const principals = admitted[caller];
      if (principals.length > 0)
        statements.push({
          Sid: `Allow${caller === "producer" ? "Producers" : "Snowflake"}`,
          Effect: "Allow",
          Principal: { AWS: principals },
          Action: ["execute-api:Invoke"],
          Resource: resources,
        });
      // In the API's own account an identity policy that allows execute-api:Invoke would admit a caller
      // the Allow above does not name (same-account access needs only one of the two), hence an explicit
      // Deny for every other principal. aws:PrincipalArn of an assumed-role session is its role's ARN, so
      // a producer role's sessions pass; a request without the key (anonymous) is denied.
      statements.push({
        Sid: `Deny${caller === "producer" ? "AllButProducers" : "AllButSnowflake"}`,
        Effect: "Deny",
        Principal: "*",
        Action: ["execute-api:Invoke"],
        Resource: resources,
        ...(principals.length > 0 ? { Condition: { ArnNotLike: { "aws:PrincipalArn": principals } } } : {}),
      });
    }
    const policy = policyJson(policyDocument(...statements));
    this.apiPolicy = new aws.apigateway.RestApiPolicy(
      n("report-api-policy"),
      { restApiId: this.api.id, policy },
      parent,
    );

    // ---- deployment and stage ----
    // A REST API serves what was last deployed: routes, integrations, the token and the resource policy all
    // take effect only with a new deployment, so any change to them makes one.
    const redeployment = pulumi.all([nlbBase, token, policy]).apply(([base, t, p]) =>
      createHash("sha256")
        .update(JSON.stringify({ routes: ROUTES, base, token: t, policy: p }))
        .digest("hex"),
    );
    this.deployment = new aws.apigateway.Deployment(
      n("report-api-deployment"),
      {
        restApi: this.api.id,
        description: "Report pipeline front door",
        triggers: { redeployment },
      },
      { parent: this, dependsOn: [...this.methods, ...this.integrations, this.apiPolicy] },
    );

    this.accessLogGroup = new aws.cloudwatch.LogGroup(
      n("report-api-access-logs"),
      { name: `/aws/apigateway/${this.apiName}`, retentionInDays: args.logRetentionDays, tags },
      parent,
    );
    // API Gateway writes access logs with the account's (per region) CloudWatch role. Without one the stage
    // update fails ("CloudWatch Logs role ARN must be set in account settings").
    const accountSettings: pulumi.Resource[] = [];
    if (args.manageAccountLogRole) {
      const logsRole = new aws.iam.Role(
        n("apigateway-logs"),
        {
          name: n("apigateway-logs"),
          description: "API Gateway account setting: writes access logs to CloudWatch Logs",
          assumeRolePolicy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "apigateway.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
              },
            ],
          }),
          tags,
        },
        parent,
      );
      const attachment = new aws.iam.RolePolicyAttachment(
        n("apigateway-logs-policy"),
        { role: logsRole.name, policyArn: `arn:${partition}:iam::aws:policy/${API_GATEWAY_LOGS_POLICY}` },
        parent,
      );
      accountSettings.push(
        new aws.apigateway.Account(
          n("apigateway-account"),
          { cloudwatchRoleArn: logsRole.arn },
          { parent: this, dependsOn: [attachment] },
        ),
      );
    }
    this.stage = new aws.apigateway.Stage(
      n("report-api-stage"),
      {
        restApi: this.api.id,
        deployment: this.deployment.id,
        stageName: API_STAGE,
        accessLogSettings: { destinationArn: this.accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
        tags,
      },
      { parent: this, dependsOn: accountSettings },
    );
    new aws.apigateway.MethodSettings(
      n("report-api-method-settings"),
      {
        restApi: this.api.id,
        stageName: this.stage.stageName,
        methodPath: "*/*",
        settings: {
          // Every caller together: with IAM authorization (no API keys) this is the throttle that binds.
          throttlingRateLimit: args.throttle.rateLimit,
          throttlingBurstLimit: args.throttle.burstLimit,
          metricsEnabled: true,
          // No execution logging, and above all no data trace: it would log the integration request's
          // headers, the gateway token among them.
          loggingLevel: "OFF",
          dataTraceEnabled: false,
        },
      },
      parent,
    );
    // Honest about what this does: a usage plan throttles and counts per API key, and the routes take no
    // API key (IAM authorization), so its throttle and daily quota bind no caller today. It is here so that
    // keys can be issued to a producer without another change; the stage throttle above binds all callers,
    // and the intake enforces per-caller quotas itself (services/intake/caller-quota.ts, per task).
    this.usagePlan = new aws.apigateway.UsagePlan(
      n("report-api-usage"),
      {
        name: n("report-api-usage"),
        description: "Front door usage plan (applies to API keys; IAM callers are bound by stage throttling)",
        apiStages: [{ apiId: this.api.id, stage: this.stage.stageName }],
        throttleSettings: { rateLimit: args.throttle.rateLimit, burstLimit: args.throttle.burstLimit },
        quotaSettings: { limit: args.dailyQuota, period: "DAY" },
        tags,
      },
      parent,
    );

    this.invokeUrl = this.api.id.apply((id) => invokeUrl(id, args.region));
    this.allowedPrefix = this.invokeUrl.apply((url) => `${url}/`);
    this.registerOutputs({
      apiId: this.api.id,
      invokeUrl: this.invokeUrl,
      allowedPrefix: this.allowedPrefix,
      snowflakeRoleArn: this.snowflakeRole.arn,
    });
  }
}
