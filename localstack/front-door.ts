/**
 * The front door on the local AWS: LocalStack's API Gateway provisioned from the same route table the
 * Pulumi program uses (events/front-door.ts ROUTES, GATEWAY_HEADERS and their parameter mappings), in front
 * of a running intake. `npm start`, the README's HTTP examples and the e2e tests go through it.
 *
 * What this proves locally, and what it cannot: the routes, methods, path parameters, the identity/token
 * header mappings and the proxying (bodies, status codes and headers both ways) are LocalStack's real
 * API Gateway in front of the real intake. Community LocalStack authenticates nobody (AWS_IAM methods let
 * every request in, `$context.identity` is empty) and enforces neither the resource policy nor throttling:
 * those are proved only by the Pulumi tests (infra/tests/unit/front-door.test.ts), and locally the intake
 * attributes requests to INTAKE_LOCAL_CALLER.
 *
 * The invoke URL is LocalStack's path form, `http://127.0.0.1:4566/restapis/<id>/v1/_user_request_/jobs`,
 * which needs no DNS (the `<id>.execute-api.localhost.localstack.cloud` form needs a resolver).
 */
import { randomBytes } from "node:crypto";
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  DeleteRestApiCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  PutIntegrationCommand,
  PutMethodCommand,
  UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import {
  API_THROTTLE,
  integrationRequestParameters,
  methodRequestParameters,
  pathSegments,
  ROUTES,
} from "#events/front-door.js";
import type { Topology } from "#events/topology.js";
import { localEndpoint } from "./local-aws.js";

export interface LocalFrontDoor {
  apiId: string;
  /** The stage's base URL; a route's URL is this plus its path, e.g. `${url}/jobs`. */
  url: string;
}

/** A fresh gateway token for one local run (the intake's INTAKE_GATEWAY_TOKEN and the integrations'). */
export function localGatewayToken(): string {
  return randomBytes(24).toString("hex");
}

/** The identity the local intake attributes every request to (INTAKE_LOCAL_CALLER). */
export const LOCAL_CALLER = "local-developer";

function apiClient(endpoint: string): APIGatewayClient {
  return new APIGatewayClient({
    endpoint,
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}

async function findApis(api: APIGatewayClient, name: string): Promise<string[]> {
  const ids: string[] = [];
  let position: string | undefined;
  do {
    const page = await api.send(new GetRestApisCommand({ limit: 500, ...(position ? { position } : {}) }));
    for (const item of page.items ?? []) if (item.name === name && item.id) ids.push(item.id);
    position = page.position;
  } while (position);
  return ids;
}

/**
 * Provisions the topology's REST API in front of `intakeUrl` (e.g. `http://127.0.0.1:8080`), replacing one
 * of the same name left by an earlier run, and returns its invoke URL.
 */
export async function provisionFrontDoor(options: {
  topology: Topology;
  intakeUrl: string;
  token: string;
  endpoint?: string;
}): Promise<LocalFrontDoor> {
  const endpoint = options.endpoint ?? localEndpoint();
  const { name, stageName } = options.topology.api;
  const api = apiClient(endpoint);
  try {
    for (const id of await findApis(api, name)) await api.send(new DeleteRestApiCommand({ restApiId: id }));
    const created = await api.send(
      new CreateRestApiCommand({
        name,
        description: "Report pipeline front door (local)",
        endpointConfiguration: { types: ["REGIONAL"] },
      }),
    );
    const restApiId = created.id;
    if (!restApiId) throw new Error("CreateRestApi returned no id");
    const root = (await api.send(new GetResourcesCommand({ restApiId }))).items?.find((r) => r.path === "/");
    if (!root?.id) throw new Error(`REST API ${restApiId} has no root resource`);
    const resources = new Map<string, string>([["", root.id]]);
    for (const route of ROUTES) {
      let path = "";
      for (const segment of pathSegments(route.path)) {
        const parentId = resources.get(path) as string;
        path = `${path}/${segment}`;
        if (!resources.has(path)) {
          const r = await api.send(new CreateResourceCommand({ restApiId, parentId, pathPart: segment }));
          if (!r.id) throw new Error(`CreateResource ${path} returned no id`);
          resources.set(path, r.id);
        }
      }
      const resourceId = resources.get(route.path) as string;
      await api.send(
        new PutMethodCommand({
          restApiId,
          resourceId,
          httpMethod: route.method,
          authorizationType: "AWS_IAM",
          requestParameters: methodRequestParameters(route),
        }),
      );
      await api.send(
        new PutIntegrationCommand({
          restApiId,
          resourceId,
          httpMethod: route.method,
          type: "HTTP_PROXY",
          integrationHttpMethod: route.method,
          uri: `${options.intakeUrl}${route.path}`,
          requestParameters: integrationRequestParameters(route, options.token),
        }),
      );
    }
    await api.send(new CreateDeploymentCommand({ restApiId, stageName }));
    // Stored like the stage Pulumi builds; LocalStack does not enforce it.
    await api.send(
      new UpdateStageCommand({
        restApiId,
        stageName,
        patchOperations: [
          { op: "replace", path: "/*/*/throttling/rateLimit", value: String(API_THROTTLE.rateLimit) },
          { op: "replace", path: "/*/*/throttling/burstLimit", value: String(API_THROTTLE.burstLimit) },
        ],
      }),
    );
    return { apiId: restApiId, url: `${endpoint}/restapis/${restApiId}/${stageName}/_user_request_` };
  } finally {
    api.destroy();
  }
}

/** Deletes a front door `provisionFrontDoor` made (a missing one is fine). */
export async function destroyFrontDoor(door: LocalFrontDoor, endpoint = localEndpoint()): Promise<void> {
  const api = apiClient(endpoint);
  try {
    await api.send(new DeleteRestApiCommand({ restApiId: door.apiId }));
  } catch (error) {
    if ((error as { name?: string }).name !== "NotFoundException") throw error;
  } finally {
    api.destroy();
  }
}
