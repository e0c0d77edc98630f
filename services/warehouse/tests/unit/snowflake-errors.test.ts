/**
 * The mapping from snowflake-sdk errors to the project's error model. The inputs are shaped like what
 * snowflake-sdk 3.x builds (lib/errors.js): OperationFailedError carries Snowflake's zero-padded string
 * code and sqlState; NetworkError/RequestFailedError carry the SDK's numeric 40xxxx codes, the socket error
 * as `cause` and the HTTP response.
 */
import { describe, expect, it } from "vitest";
import { WarehouseConfigError, WarehouseQueryError, WarehouseUnavailableError } from "../../errors.js";
import {
  authFailedError,
  isSnowflakeAuthError,
  mapSnowflakeError,
  type SnowflakeSdkErrorLike,
} from "../../snowflake-errors.js";

function sdkError(fields: SnowflakeSdkErrorLike): Error {
  return Object.assign(new Error(fields.message ?? ""), fields);
}

const operationFailed = (code: string, sqlState: string, message: string) =>
  sdkError({ name: "OperationFailedError", code, sqlState, message });

const retryableCases: Array<[string, Error, string]> = [
  [
    "socket refused",
    sdkError({
      name: "NetworkError",
      code: 401001,
      message: "connect ECONNREFUSED 10.0.0.1:443",
      cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
    }),
    "WAREHOUSE_NETWORK",
  ],
  [
    "bare socket reset",
    Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    "WAREHOUSE_NETWORK",
  ],
  [
    "large result download failed",
    sdkError({ name: "NetworkError", code: 402001, message: "Network error. Could not reach S3/Blob." }),
    "WAREHOUSE_NETWORK",
  ],
  [
    "HTTP 429 throttled",
    sdkError({
      name: "RequestFailedError",
      code: 401002,
      message: "Request to Snowflake failed.",
      response: { statusCode: 429 },
    }),
    "WAREHOUSE_THROTTLED",
  ],
  [
    "HTTP 503 unavailable",
    sdkError({
      name: "RequestFailedError",
      code: 401002,
      message: "Request to Snowflake failed.",
      response: { statusCode: 503 },
    }),
    "WAREHOUSE_UNAVAILABLE",
  ],
  [
    "warehouse resuming (message only)",
    operationFailed("090064", "22000", "Warehouse 'REPORTS_WH' is being resumed, please retry"),
    "WAREHOUSE_BUSY",
  ],
  [
    "resource monitor quota",
    operationFailed(
      "000625",
      "57P03",
      "Warehouse 'REPORTS_WH' cannot be resumed because resource monitor 'RM' has exceeded its quota.",
    ),
    "WAREHOUSE_BUSY",
  ],
];

const finalCases: Array<[string, Error, string]> = [
  [
    "statement timeout",
    operationFailed(
      "000630",
      "57014",
      "Statement reached its statement or warehouse timeout of 600 second(s) and was canceled.",
    ),
    "WAREHOUSE_STATEMENT_TIMEOUT",
  ],
  [
    "execution canceled",
    operationFailed("000604", "57014", "SQL execution canceled"),
    "WAREHOUSE_QUERY_CANCELLED",
  ],
  [
    "SQL compilation error",
    operationFailed(
      "001003",
      "42000",
      "SQL compilation error:\nsyntax error line 1 at position 0 unexpected 'SELEC'.",
    ),
    "WAREHOUSE_SQL_INVALID",
  ],
  [
    "invalid identifier",
    operationFailed(
      "000904",
      "42000",
      "SQL compilation error: error line 1 at position 7\ninvalid identifier 'NOPE'",
    ),
    "WAREHOUSE_SQL_INVALID",
  ],
  [
    "object does not exist",
    operationFailed(
      "002003",
      "42S02",
      "SQL compilation error:\nObject 'ANALYTICS_PLATFORM.REPORTING.NOPE' does not exist or not authorized.",
    ),
    "WAREHOUSE_OBJECT_NOT_FOUND",
  ],
  [
    "insufficient privileges",
    operationFailed(
      "003001",
      "42501",
      "SQL access control error:\nInsufficient privileges to operate on table 'ORDERS'",
    ),
    "WAREHOUSE_PERMISSION_DENIED",
  ],
  [
    "numeric value not recognized",
    operationFailed("100038", "22018", "Numeric value 'abc' is not recognized"),
    "WAREHOUSE_DATA_ERROR",
  ],
  [
    "invalid bind rejected by the SDK",
    sdkError({
      name: "InvalidParameterError",
      code: 405011,
      message: "Invalid binds. The specified value must be an array.",
    }),
    "WAREHOUSE_CLIENT_REJECTED",
  ],
  [
    "HTTP 400 bad request",
    sdkError({
      name: "RequestFailedError",
      code: 401002,
      message: "Request failed",
      response: { statusCode: 400 },
    }),
    "WAREHOUSE_REQUEST_REJECTED",
  ],
];

/** Not the query's fault and not passing either: the warehouse's configuration (WarehouseConfigError). */
const configCases: Array<[string, Error, string]> = [
  [
    "no active warehouse (a wrong name or a missing grant)",
    operationFailed(
      "000606",
      "57P03",
      "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.",
    ),
    "WAREHOUSE_CONFIG_INVALID",
  ],
];

describe("mapSnowflakeError", () => {
  it.each(retryableCases)("%s is retryable (WarehouseUnavailableError)", (_, error, code) => {
    const mapped = mapSnowflakeError(error);

    expect(mapped).toBeInstanceOf(WarehouseUnavailableError);
    expect(mapped.retryable).toBe(true);
    expect(mapped.code).toBe(code);
  });

  it.each(finalCases)("%s is not retryable (WarehouseQueryError)", (_, error, code) => {
    const mapped = mapSnowflakeError(error);

    expect(mapped).toBeInstanceOf(WarehouseQueryError);
    expect(mapped.retryable).toBe(false);
    expect(mapped.code).toBe(code);
  });

  it.each(configCases)("%s is not retryable (WarehouseConfigError)", (_, error, code) => {
    const mapped = mapSnowflakeError(error);

    expect(mapped).toBeInstanceOf(WarehouseConfigError);
    expect(mapped.retryable).toBe(false);
    expect(mapped.code).toBe(code);
  });

  it("keeps Snowflake's code and sqlState in the message and a plain cause", () => {
    const mapped = mapSnowflakeError(
      operationFailed("002003", "42S02", "Object 'X' does not exist or not authorized."),
    );

    expect(mapped.message).toBe(
      "Snowflake query failed: Object 'X' does not exist or not authorized. [002003/42S02]",
    );
    expect(mapped.cause).toMatchObject({ code: "002003", sqlState: "42S02" });
  });

  it("never keeps the SDK's response (which can hold the login request) in the cause", () => {
    const error = sdkError({
      name: "RequestFailedError",
      code: 401002,
      message: "Request to Snowflake failed.",
      response: { statusCode: 503, config: { data: '{"PASSWORD":"hunter2-secret"}' } } as never,
    });

    const mapped = mapSnowflakeError(error);

    expect(JSON.stringify(mapped.cause, Object.getOwnPropertyNames(mapped.cause))).not.toContain("hunter2");
    expect((mapped.cause as { httpStatus?: number }).httpStatus).toBe(503);
  });

  it("redacts secret values from messages", () => {
    const mapped = mapSnowflakeError(operationFailed("001003", "42000", "unexpected 'hunter2-secret'"), {
      redact: (t) => t.replaceAll("hunter2-secret", "[redacted]"),
    });

    expect(mapped.message).not.toContain("hunter2-secret");
    expect(String((mapped.cause as Error).message)).not.toContain("hunter2-secret");
  });

  it("returns an already mapped error unchanged", () => {
    const original = new WarehouseQueryError("binds[0]: unsupported bind type object");

    expect(mapSnowflakeError(original)).toBe(original);
  });

  it("treats an unknown failure without a code as retryable, so the job is not lost", () => {
    expect(mapSnowflakeError(new Error("something odd")).retryable).toBe(true);
  });

  it("maps an authentication failure that reaches it to a non-retryable WarehouseConfigError", () => {
    const mapped = mapSnowflakeError(
      operationFailed("390100", "08004", "Incorrect username or password was specified."),
    );

    expect(mapped).toBeInstanceOf(WarehouseConfigError);
    expect(mapped.retryable).toBe(false);
  });
});

describe("isSnowflakeAuthError", () => {
  it.each([
    ["wrong password", operationFailed("390100", "08004", "Incorrect username or password was specified.")],
    ["invalid JWT", operationFailed("390144", "08004", "JWT token is invalid.")],
    ["HTTP 401", sdkError({ code: 401002, message: "Request failed", response: { statusCode: 401 } })],
  ])("recognises %s", (_, error) => {
    expect(isSnowflakeAuthError(error)).toBe(true);
  });

  it.each([
    ["a compilation error", operationFailed("001003", "42000", "SQL compilation error")],
    ["a network error", sdkError({ name: "NetworkError", code: 401001, message: "Network error" })],
    ["HTTP 503", sdkError({ code: 401002, message: "Request failed", response: { statusCode: 503 } })],
  ])("does not mistake %s for one", (_, error) => {
    expect(isSnowflakeAuthError(error)).toBe(false);
  });
});

describe("authFailedError", () => {
  it("names the secret, is not retryable, and carries no secret value", () => {
    const error = authFailedError(
      "report-pipeline/snowflake",
      operationFailed("390100", "08004", "Incorrect username or password was specified."),
      (t) => t,
    );

    expect(error).toBeInstanceOf(WarehouseConfigError);
    expect(error.code).toBe("WAREHOUSE_CONFIG_INVALID");
    expect(error.message).toContain("report-pipeline/snowflake");
    expect(error.message).toContain("390100");
  });
});
