/**
 * Maps what snowflake-sdk throws onto the project's error model, deciding `retryable`:
 *
 * - retryable (WarehouseUnavailableError): network failures (socket errors, SDK 401001/402001), HTTP 429 /
 *   5xx from Snowflake, warehouse suspended / resuming / resizing / out of credits, statement or queue
 *   timeouts (sqlState 57014), "cannot connect now" states (08xxx except auth, 57P0x, 53xxx);
 * - not retryable (WarehouseQueryError): SQL compilation errors (sqlState 42xxx, codes 1003/904/2xxx),
 *   insufficient privileges (3001, 42501), object does not exist or not authorized (2003, 42S02/02000),
 *   data errors (22xxx), bad bind values;
 * - authentication failures are recognised by `isSnowflakeAuthError` so the adapter can refresh the
 *   secret once; if they persist, `authFailedError` turns them into WarehouseConfigError.
 *
 * The original SDK error is never kept as `cause`: its `response`/`data` can hold the login request with
 * the password. The cause is a plain Error with name, code, sqlState and HTTP status only.
 */
import {
  WarehouseConfigError,
  WarehouseError,
  WarehouseQueryError,
  WarehouseUnavailableError,
} from "./errors.js";

/** The fields of a snowflake-sdk error that the mapping reads. */
export interface SnowflakeSdkErrorLike {
  name?: string;
  message?: string;
  /** Snowflake's error code: a number (SDK errors, e.g. 401001) or a zero-padded string ('002003'). */
  code?: number | string;
  sqlState?: string;
  response?: { statusCode?: number; status?: number };
  cause?: unknown;
}

/** snowflake-sdk client error codes (lib/error_code.js). */
const SDK_NETWORK_COULD_NOT_CONNECT = 401001;
const SDK_RESPONSE_FAILURE = 401002;
const SDK_RESPONSE_INVALID_TOKEN = 401004;
const SDK_LARGE_RESULT_NETWORK = 402001;
const SDK_LARGE_RESULT_RESPONSE_FAILURE = 402002;

/** Snowflake server codes for rejected credentials (login). 390112/390114: session or master token expired. */
const AUTH_CODES = new Set([390100, 390101, 390102, 390104, 390112, 390114, 390144, 390302, 390318, 394304]);

/** Snowflake server codes that mean "try again later". */
const RETRYABLE_CODES = new Set([
  608, // warehouse suspended/resizing during the query
  623, // warehouse is being resumed / resized
  625, // warehouse cannot be resumed (credits) — clears once the monitor allows
  5001, // internal error, try again
  390400, // the service is temporarily unavailable
]);

const NETWORK_ERRNO =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|ECONNABORTED|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|UND_ERR_\w+)$/;

const WAREHOUSE_BUSY =
  /warehouse .*(suspended|resuming|being resumed|resiz|cannot be resumed|is not running)|resource monitor|queued .*timeout|temporarily unavailable|too many requests|throttl/i;

function numericCode(code: unknown): number | undefined {
  if (typeof code === "number" && Number.isFinite(code)) return code;
  if (typeof code === "string" && /^\d+$/.test(code)) return Number(code);
  return undefined;
}

function httpStatus(error: SnowflakeSdkErrorLike): number | undefined {
  return error.response?.statusCode ?? error.response?.status;
}

function errnoOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_ERRNO.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when Snowflake rejected the credentials (wrong password, invalid JWT, expired/revoked session). */
export function isSnowflakeAuthError(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as SnowflakeSdkErrorLike;
  const code = numericCode(e.code);
  if (code !== undefined && AUTH_CODES.has(code)) return true;
  if (code === SDK_RESPONSE_INVALID_TOKEN) return true;
  if (e.sqlState === "08004" || e.sqlState === "28000") return true;
  return code === SDK_RESPONSE_FAILURE && httpStatus(e) === 401;
}

const AUTH_MESSAGE =
  /incorrect username or password|jwt token is invalid|authenticat|login|password|private key|session (has )?(expired|no longer exists)/i;

/**
 * Whether a failure to *get a connection* may be Snowflake refusing the credentials. snowflake-sdk's pool
 * rethrows a failed login as `new Error(err.message)`, dropping code and sqlState (core.js), so besides
 * isSnowflakeAuthError this accepts a code-less error that names sign-in, or carries nothing to tell it from
 * one; a network failure (an errno) is not. The adapter then re-reads the secret once.
 */
export function mayBeAuthFailure(error: unknown): boolean {
  if (isSnowflakeAuthError(error)) return true;
  if (!error || typeof error !== "object" || errnoOf(error) !== undefined) return false;
  const e = error as SnowflakeSdkErrorLike;
  if (numericCode(e.code) !== undefined || e.sqlState !== undefined) return false;
  return AUTH_MESSAGE.test(e.message ?? "") || (e.name ?? "Error") === "Error";
}

/** Whether a code-less error's message says Snowflake refused the sign-in (after the refresh: final). */
export function saysAuthFailed(error: unknown): boolean {
  if (isSnowflakeAuthError(error)) return true;
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && AUTH_MESSAGE.test(message);
}

/** Session-level codes after which the SDK has marked the connection disconnected (it answers 407002 next). */
const DEAD_SESSION_CODES = new Set([390104, 390111, 390112, 390114, 407002]);

/**
 * Whether the connection a statement failed on is dead (its session expired or was dropped: 39011x,
 * 407002 "connection already terminated", sqlState class 08): it must be destroyed, not given back.
 */
export function isDeadSession(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as SnowflakeSdkErrorLike;
  const code = numericCode(e.code);
  return (code !== undefined && DEAD_SESSION_CODES.has(code)) || (e.sqlState ?? "").startsWith("08");
}

/** A plain, loggable copy of an SDK error: no response, no request config, no data. */
export function sanitizedCause(error: unknown, redact: (text: string) => string = (t) => t): Error {
  if (!error || typeof error !== "object") return new Error(redact(String(error)));
  const e = error as SnowflakeSdkErrorLike;
  const copy = new Error(redact(e.message ?? "")) as Error & Record<string, unknown>;
  copy.name = e.name ?? "Error";
  if (e.code !== undefined) copy.code = e.code;
  if (e.sqlState !== undefined) copy.sqlState = e.sqlState;
  const status = httpStatus(e);
  if (status !== undefined) copy.httpStatus = status;
  const errno = errnoOf(e.cause);
  if (errno) copy.errno = errno;
  return copy;
}

function describe(error: SnowflakeSdkErrorLike, redact: (text: string) => string): string {
  const code =
    error.code !== undefined ? ` [${error.code}${error.sqlState ? `/${error.sqlState}` : ""}]` : "";
  return `${redact(error.message ?? "unknown error")}${code}`;
}

export interface MapOptions {
  /** Removes secret values from text (the adapter passes one built from the loaded credentials). */
  redact?: (text: string) => string;
  /** What was being done, for the message: "query", "connect", "stream". */
  during?: string;
  /** The failed statement's query id, when the SDK knew it. */
  queryId?: string | undefined;
}

/** Maps any thrown value from snowflake-sdk (or the socket under it) to a WarehouseError. */
export function mapSnowflakeError(error: unknown, options: MapOptions = {}): WarehouseError {
  const redact = options.redact ?? ((t: string) => t);
  const during = options.during ?? "query";
  if (error instanceof WarehouseError) return error; // already mapped
  const e: SnowflakeSdkErrorLike =
    error && typeof error === "object" ? (error as SnowflakeSdkErrorLike) : { message: String(error) };
  const cause = sanitizedCause(error, redact);
  // The statement's query id (from the adapter, or the SDK error's own), for the warehouse's query history.
  const queryId = options.queryId ?? (error as { data?: { queryId?: unknown } } | undefined)?.data?.queryId;
  const q = typeof queryId === "string" && queryId !== "" ? { queryId } : {};
  const text = `Snowflake ${during} failed: ${describe(e, redact)}`;
  const code = numericCode(e.code);
  const status = httpStatus(e);
  const sqlState = e.sqlState ?? "";
  const message = e.message ?? "";

  if (isSnowflakeAuthError(e)) {
    // The adapter refreshes the secret once before this surfaces; reaching the caller means it is wrong.
    return new WarehouseConfigError(
      `Snowflake rejected the credentials during ${during}: ${describe(e, redact)}`,
      {
        cause,
        ...q,
      },
    );
  }

  // Network: the request never got a Snowflake answer.
  if (
    code === SDK_NETWORK_COULD_NOT_CONNECT ||
    code === SDK_LARGE_RESULT_NETWORK ||
    errnoOf(error) !== undefined ||
    e.name === "NetworkError"
  ) {
    return new WarehouseUnavailableError(text, { cause, ...q, code: "WAREHOUSE_NETWORK" });
  }

  // HTTP-level failures from Snowflake's front door.
  if (code === SDK_RESPONSE_FAILURE || code === SDK_LARGE_RESULT_RESPONSE_FAILURE || status !== undefined) {
    if (status === 429)
      return new WarehouseUnavailableError(text, { cause, ...q, code: "WAREHOUSE_THROTTLED" });
    if (status === undefined || status >= 500 || status === 408) {
      return new WarehouseUnavailableError(text, { cause, ...q, code: "WAREHOUSE_UNAVAILABLE" });
    }
    return new WarehouseQueryError(text, { cause, ...q, code: "WAREHOUSE_REQUEST_REJECTED" });
  }

  // A statement timeout recurs on every run of the same report (the same SQL over the same data), and a
  // cancel comes from an operator: retrying would burn warehouse time for nothing (000630 ran 5 × 300 s).
  if (code === 630 || /statement reached its statement or warehouse timeout/i.test(message)) {
    return new WarehouseQueryError(text, { cause, ...q, code: "WAREHOUSE_STATEMENT_TIMEOUT" });
  }
  if (code === 604 || /execution canceled/i.test(message)) {
    return new WarehouseQueryError(text, { cause, ...q, code: "WAREHOUSE_QUERY_CANCELLED" });
  }
  // "No active warehouse": a wrong warehouse name or a missing USAGE grant, not a passing state.
  if (code === 606 || /no active warehouse/i.test(message)) {
    return new WarehouseConfigError(
      `${text} (check SNOWFLAKE warehouse name in the secret and the role's USAGE grant on it)`,
      { cause, ...q },
    );
  }
  // Other timeouts (a queue timeout, sqlState 57014 without one of the codes above) may pass.
  if (sqlState === "57014") {
    return new WarehouseUnavailableError(text, { cause, ...q, code: "WAREHOUSE_TIMEOUT" });
  }

  if ((code !== undefined && RETRYABLE_CODES.has(code)) || WAREHOUSE_BUSY.test(message)) {
    return new WarehouseUnavailableError(text, { cause, ...q, code: "WAREHOUSE_BUSY" });
  }

  // Connection exceptions, operator intervention, insufficient resources: transient by class.
  if (/^(08|57P|53)/.test(sqlState)) {
    return new WarehouseUnavailableError(text, { cause, ...q, code: "WAREHOUSE_UNAVAILABLE" });
  }

  // "does not exist or not authorized" (2003) is how Snowflake hides objects the role cannot see.
  if (
    code === 2003 ||
    code === 2043 ||
    sqlState === "42S02" ||
    sqlState === "02000" ||
    /does not exist/i.test(message)
  ) {
    return new WarehouseQueryError(text, { cause, ...q, code: "WAREHOUSE_OBJECT_NOT_FOUND" });
  }
  if (
    code === 3001 ||
    code === 3003 ||
    sqlState === "42501" ||
    /insufficient privileges|not authorized/i.test(message)
  ) {
    return new WarehouseQueryError(text, { cause, ...q, code: "WAREHOUSE_PERMISSION_DENIED" });
  }
  if (sqlState.startsWith("42") || code === 1003 || code === 904 || /SQL compilation error/i.test(message)) {
    return new WarehouseQueryError(text, { cause, ...q, code: "WAREHOUSE_SQL_INVALID" });
  }
  if (sqlState.startsWith("22") || sqlState.startsWith("23") || sqlState.startsWith("0A")) {
    return new WarehouseQueryError(text, { cause, ...q, code: "WAREHOUSE_DATA_ERROR" });
  }
  // SDK argument validation (invalid binds, options): 404xxx-409xxx, synchronous, our bug or bad input.
  if (code !== undefined && code >= 404000 && code < 500000) {
    return new WarehouseQueryError(text, { cause, ...q, code: "WAREHOUSE_CLIENT_REJECTED" });
  }
  // Unknown: a server error with a Snowflake code is most likely about the statement; anything else
  // (no code at all) is treated as transient so the job is retried rather than lost.
  if (code !== undefined) return new WarehouseQueryError(text, { cause, ...q });
  return new WarehouseUnavailableError(text, { cause, ...q });
}

/** The error raised when authentication still fails after the secret was re-read. */
export function authFailedError(
  secretId: string,
  error: unknown,
  redact: (text: string) => string,
): WarehouseConfigError {
  const e = (error ?? {}) as SnowflakeSdkErrorLike;
  return new WarehouseConfigError(
    `Snowflake rejected the credentials from secret ${secretId} (after re-reading it): ${describe(e, redact)}`,
    { cause: sanitizedCause(error, redact) },
  );
}
