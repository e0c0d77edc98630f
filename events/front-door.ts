/**
 * The front door as typed data: the intake's HTTP routes and how API Gateway maps each of them onto the
 * intake. The one source from which the Pulumi program (`infra/components/front-door.ts`) and the
 * LocalStack bootstrap (`localstack/bootstrap.ts`) build the REST API, so the routes, the identity headers
 * and the proof-of-gateway header are the same in production and on a developer machine.
 *
 * Every method is `AWS_IAM`-authorized. API Gateway authenticates the caller (SigV4) and passes on who it
 * is in GATEWAY_HEADERS.callerArn / callerAccount; a caller cannot set those itself, because the mapping
 * replaces whatever header of that name the request carried. The intake takes `requestedBy` from there,
 * never from the body, and refuses a request without GATEWAY_HEADERS.token (a secret only the gateway's
 * integration and the intake know): such a request did not come through the door.
 *
 * @example
 * ```ts
 * import { ROUTES, integrationRequestParameters } from "#events/front-door.js";
 * for (const route of ROUTES) {
 *   route.method;                                   // "POST"
 *   route.path;                                     // "/jobs"
 *   integrationRequestParameters(route, token);     // { "integration.request.header.x-reports-caller-arn": "context.identity.userArn", … }
 * }
 * ```
 */

/** Headers the gateway sets on every request it forwards to the intake. */
export const GATEWAY_HEADERS = {
  /** The authenticated caller's ARN (`$context.identity.userArn`): an IAM user or an assumed-role session. */
  callerArn: "x-reports-caller-arn",
  /** The caller's AWS account (`$context.identity.accountId`). */
  callerAccount: "x-reports-caller-account",
  /** API Gateway's request id (`$context.requestId`), logged by the intake beside its own. */
  requestId: "x-reports-gateway-request-id",
  /** The shared secret only the gateway's integration and the intake know: proof the door was used. */
  token: "x-reports-gateway-token",
} as const;

/** Who may call a route: producers (stack config `producerPrincipals`) or the Snowflake integration role. */
export type CallerClass = "producer" | "snowflake";

export type RouteId = "submitJob" | "jobStatus" | "snowflakeSubmit";

export interface RouteSpec {
  id: RouteId;
  method: "GET" | "POST";
  /** The resource path, the same on the gateway and on the intake; `{name}` is a path parameter. */
  path: string;
  /** The principals the REST API's resource policy admits to this route. */
  callers: readonly CallerClass[];
  description: string;
}

/** The routes of the front door, in the order the docs list them. */
export const ROUTES: readonly RouteSpec[] = [
  {
    id: "submitJob",
    method: "POST",
    path: "/jobs",
    callers: ["producer"],
    description: "Validate and enqueue one report job -> 202 {jobId, messageId, status}",
  },
  {
    id: "jobStatus",
    method: "GET",
    path: "/jobs/{jobId}",
    callers: ["producer"],
    description: "A job's status, folded from its audit trail (404 until its first event)",
  },
  {
    id: "snowflakeSubmit",
    method: "POST",
    path: "/snowflake/submit",
    callers: ["snowflake"],
    description: "Snowflake external function submit_report: a batch of rows in, one job id per row out",
  },
];

/** The stage every REST API of the pipeline is deployed to (part of its URL: `…/v1/jobs`). */
export const API_STAGE = "v1";

/**
 * Throttling of the stage (every method): steady requests per second and burst. Snowflake sends a few
 * batches at once and producers submit jobs one by one, so this is far above normal traffic and far
 * below what would flood the queue. The intake's per-caller quota (services/intake/caller-quota.ts) bounds
 * each caller within it.
 */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** The path parameters of a route path, e.g. `["jobId"]` for `/jobs/{jobId}`. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] ?? "");
}

/** The segments of a route path, e.g. `["jobs", "{jobId}"]`: the gateway's resource tree. */
export function pathSegments(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

/** The method request's parameters: each path parameter, required. */
export function methodRequestParameters(route: RouteSpec): Record<string, boolean> {
  return Object.fromEntries(pathParameters(route.path).map((p) => [`method.request.path.${p}`, true]));
}

/**
 * The integration request's parameter mapping: the caller's identity and the gateway's request id from
 * the request context, the proof-of-gateway token as a static value, and each path parameter.
 */
export function integrationRequestParameters(route: RouteSpec, token: string): Record<string, string> {
  if (!/^[A-Za-z0-9_-]{32,256}$/.test(token))
    throw new Error("gateway token: must be 32 to 256 letters, digits, - or _");
  const header = (name: string) => `integration.request.header.${name}`;
  return {
    [header(GATEWAY_HEADERS.callerArn)]: "context.identity.userArn",
    [header(GATEWAY_HEADERS.callerAccount)]: "context.identity.accountId",
    [header(GATEWAY_HEADERS.requestId)]: "context.requestId",
    [header(GATEWAY_HEADERS.token)]: `'${token}'`,
    ...Object.fromEntries(
      pathParameters(route.path).map((p) => [`integration.request.path.${p}`, `method.request.path.${p}`]),
    ),
  };
}

/** What a request's method and path match in ROUTES. */
export type RouteMatch =
  | { kind: "route"; route: RouteSpec; params: Record<string, string> }
  /** The path is a route's, but not with this method (405). */
  | { kind: "method-not-allowed"; allowed: string[] }
  | { kind: "none" };

/**
 * Matches a request against ROUTES. Path parameters are returned still percent-encoded (one segment each,
 * never containing `/`): the caller decodes them and answers a bad encoding itself.
 */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const segments = pathSegments(pathname);
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const pattern = pathSegments(route.path);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((p, i) => {
      const segment = segments[i] ?? "";
      const param = /^\{([A-Za-z0-9_]+)\}$/.exec(p)?.[1];
      if (param === undefined) return p === segment;
      params[param] = segment;
      return segment !== "";
    });
    if (!fits) continue;
    if (route.method === method) return { kind: "route", route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: "method-not-allowed", allowed } : { kind: "none" };
}
