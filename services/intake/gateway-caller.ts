/**
 * Who is calling, as the front door says: the intake's `authorize` (services/shared/http-server.ts).
 *
 * In production the intake is reached only through API Gateway (IAM-authorized methods, events/front-door.ts).
 * The gateway's integration adds GATEWAY_HEADERS.token, a secret it shares with the intake
 * (INTAKE_GATEWAY_TOKEN): a request without it did not come through the door and is refused (403), before its
 * body is read. The caller is the ARN the gateway authenticated (GATEWAY_HEADERS.callerArn, which the
 * gateway's mapping sets over any header of that name the client sent); a request through the door without
 * one is refused (401), since every method is IAM-authorized and so a missing identity means a
 * misconfigured door.
 *
 * Locally, LocalStack's API Gateway authenticates nobody and passes no identity; INTAKE_LOCAL_CALLER names
 * the one local developer instead, and the caller header is then ignored (locally it could only come from
 * the client itself). The infra never sets INTAKE_LOCAL_CALLER (infra/tests/unit/front-door.test.ts).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { GATEWAY_HEADERS } from "#events/front-door.js";
import { HttpError, type RequestContext } from "#services/shared/http-server.js";

/** An IAM user or role ARN, or an STS assumed-role / federated-user session ARN. */
const CALLER_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/-]{1,2000}$/;
/** API Gateway request ids are UUIDs; anything else is not logged. */
const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;
/** The longest `requestedBy` a job may carry (events/report-job.schema.ts). */
const REQUESTED_BY_MAX = 256;

export interface GatewayCallerOptions {
  /** INTAKE_GATEWAY_TOKEN. */
  token: string;
  /** INTAKE_LOCAL_CALLER: local development only. */
  localCaller?: string | undefined;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? undefined : value;
}

/**
 * `requestedBy` for a caller ARN: the ARN itself, or, beyond the job's 256 characters (an IAM path can be
 * long), its start and a hash of the whole, so two callers never share one.
 */
export function requestedByOf(arn: string): string {
  if (arn.length <= REQUESTED_BY_MAX) return arn;
  const hash = createHash("sha256").update(arn).digest("hex").slice(0, 32);
  return `${arn.slice(0, REQUESTED_BY_MAX - hash.length - 1)}#${hash}`;
}

/** Builds the intake's `authorize`. */
export function gatewayCaller(options: GatewayCallerOptions): (req: IncomingMessage) => RequestContext {
  const expected = digest(options.token);
  return (req) => {
    const token = header(req, GATEWAY_HEADERS.token);
    // Compared as digests: equal length, constant time, and nothing learnt from how long a guess is.
    if (token === undefined || !timingSafeEqual(digest(token), expected)) {
      throw new HttpError(
        403,
        "NOT_VIA_GATEWAY",
        "this intake is reached only through the pipeline's API gateway (see README: Calling the pipeline over HTTPS)",
      );
    }
    const requestId = header(req, GATEWAY_HEADERS.requestId);
    const gateway = requestId && REQUEST_ID.test(requestId) ? { gatewayRequestId: requestId } : {};
    if (options.localCaller) return { caller: options.localCaller, ...gateway };
    const arn = header(req, GATEWAY_HEADERS.callerArn);
    if (arn === undefined || !CALLER_ARN.test(arn)) {
      throw new HttpError(
        401,
        "CALLER_UNKNOWN",
        "the gateway passed no authenticated caller; sign the request with SigV4 (service execute-api)",
      );
    }
    return { caller: requestedByOf(arn), ...gateway };
  };
}
