import { describe, expect, it } from "vitest";
import {
  GATEWAY_HEADERS,
  integrationRequestParameters,
  matchRoute,
  methodRequestParameters,
  ROUTES,
} from "../../front-door.js";

const route = (id: string) => {
  const r = ROUTES.find((x) => x.id === id);
  if (!r) throw new Error(id);
  return r;
};

describe("front-door route table", () => {
  it("matches each route by method and path, path parameters still encoded", () => {
    expect(matchRoute("POST", "/jobs")).toMatchObject({ kind: "route", route: { id: "submitJob" } });
    expect(matchRoute("GET", "/jobs/A%2FB")).toEqual({
      kind: "route",
      route: route("jobStatus"),
      params: { jobId: "A%2FB" },
    });
    expect(matchRoute("POST", "/snowflake/submit")).toMatchObject({ route: { id: "snowflakeSubmit" } });
    expect(matchRoute("GET", "/jobs")).toEqual({ kind: "method-not-allowed", allowed: ["POST"] });
    expect(matchRoute("DELETE", "/jobs/x")).toEqual({ kind: "method-not-allowed", allowed: ["GET"] });
    expect(matchRoute("GET", "/jobs/x/y")).toEqual({ kind: "none" });
    expect(matchRoute("GET", "/other")).toEqual({ kind: "none" });
  });

  it("maps the caller's identity, the request id, the token and each path parameter onto the intake", () => {
    const token = "k".repeat(32);
    const params = integrationRequestParameters(route("jobStatus"), token);

    expect(params).toEqual({
      [`integration.request.header.${GATEWAY_HEADERS.callerArn}`]: "context.identity.userArn",
      [`integration.request.header.${GATEWAY_HEADERS.callerAccount}`]: "context.identity.accountId",
      [`integration.request.header.${GATEWAY_HEADERS.requestId}`]: "context.requestId",
      [`integration.request.header.${GATEWAY_HEADERS.token}`]: `'${token}'`,
      "integration.request.path.jobId": "method.request.path.jobId",
    });
    expect(methodRequestParameters(route("jobStatus"))).toEqual({ "method.request.path.jobId": true });
    expect(methodRequestParameters(route("submitJob"))).toEqual({});
  });

  it("refuses a token that could break out of the mapping's quotes", () => {
    expect(() => integrationRequestParameters(route("submitJob"), `${"k".repeat(32)}'`)).toThrow(
      /gateway token/,
    );
    expect(() => integrationRequestParameters(route("submitJob"), "short")).toThrow(/gateway token/);
  });

  it("admits the Snowflake integration only to its own route", () => {
    expect(ROUTES.filter((r) => r.callers.includes("snowflake")).map((r) => r.id)).toEqual([
      "snowflakeSubmit",
    ]);
  });
});
