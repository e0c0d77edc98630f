import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { GATEWAY_HEADERS } from "#events/front-door.js";
import { HttpError } from "#services/shared/http-server.js";
import { gatewayCaller, requestedByOf } from "../../gateway-caller.js";

const TOKEN = "t".repeat(40);
const ARN = "arn:aws:sts::123456789012:assumed-role/billing-producer/session-1";
const request = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage;
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof HttpError ? { status: error.status, code: error.code } : error;
  }
  return "accepted";
};

describe("gatewayCaller", () => {
  const authorize = gatewayCaller({ token: TOKEN });

  it("takes the caller from the gateway's identity header once the token proves the door was used", () => {
    const context = authorize(
      request({
        [GATEWAY_HEADERS.token]: TOKEN,
        [GATEWAY_HEADERS.callerArn]: ARN,
        [GATEWAY_HEADERS.requestId]: "6ea5b028-b7ae-489b-8935-cffb4b7f398c",
      }),
    );

    expect(context).toEqual({ caller: ARN, gatewayRequestId: "6ea5b028-b7ae-489b-8935-cffb4b7f398c" });
  });

  it("refuses a request without the gateway's token (403), however it names its caller", () => {
    expect(refusal(() => authorize(request({ [GATEWAY_HEADERS.callerArn]: ARN })))).toEqual({
      status: 403,
      code: "NOT_VIA_GATEWAY",
    });
    expect(
      refusal(() =>
        authorize(request({ [GATEWAY_HEADERS.token]: `${TOKEN}x`, [GATEWAY_HEADERS.callerArn]: ARN })),
      ),
    ).toEqual({ status: 403, code: "NOT_VIA_GATEWAY" });
    expect(
      refusal(() =>
        authorize(request({ [GATEWAY_HEADERS.token]: [TOKEN, TOKEN], [GATEWAY_HEADERS.callerArn]: ARN })),
      ),
    ).toEqual({ status: 403, code: "NOT_VIA_GATEWAY" });
  });

  it("refuses a request through the door that carries no authenticated caller (401)", () => {
    expect(refusal(() => authorize(request({ [GATEWAY_HEADERS.token]: TOKEN })))).toEqual({
      status: 401,
      code: "CALLER_UNKNOWN",
    });
    for (const bad of ["", "snowflake", "arn:aws:s3:::bucket", "arn:aws:iam::12:user/x", `${ARN} extra`])
      expect(
        refusal(() =>
          authorize(request({ [GATEWAY_HEADERS.token]: TOKEN, [GATEWAY_HEADERS.callerArn]: bad })),
        ),
        bad,
      ).toEqual({ status: 401, code: "CALLER_UNKNOWN" });
  });

  it("locally attributes every request to the configured developer and ignores a caller header", () => {
    const local = gatewayCaller({ token: TOKEN, localCaller: "local-developer" });

    expect(local(request({ [GATEWAY_HEADERS.token]: TOKEN, [GATEWAY_HEADERS.callerArn]: ARN }))).toEqual({
      caller: "local-developer",
    });
    expect(refusal(() => local(request({})))).toEqual({ status: 403, code: "NOT_VIA_GATEWAY" });
  });

  it("keeps a long caller ARN within requestedBy's 256 characters, distinct per caller", () => {
    const long = (n: string) => `arn:aws:iam::123456789012:user/${"p/".repeat(150)}${n}`;
    const a = requestedByOf(long("a"));
    const b = requestedByOf(long("b"));

    expect(a.length).toBeLessThanOrEqual(256);
    expect(a).not.toBe(b);
    expect(requestedByOf(ARN)).toBe(ARN);
  });
});
