/**
 * Errors of the HTTP intake. A request the intake cannot read at all is a `SnowflakeRequestError` (a
 * ValidationError, so the HTTP server answers 400 with the offending fields); a bad row is not an error of
 * the request, it becomes an error value in that row's response.
 */
import { ValidationError } from "#events/errors.js";

export class SnowflakeRequestError extends ValidationError {
  override readonly code = "SNOWFLAKE_BAD_REQUEST";
  /** The HTTP status this error maps to. */
  readonly status = 400;
}
