/**
 * Errors raised by warehouse adapters, mapped into the project's error model. `retryable` decides between
 * redelivery (network, throttling, warehouse suspended, timeouts) and a final failure (SQL compilation,
 * permission, bad binds).
 */
import { PipelineError, type PipelineErrorOptions } from "#events/errors.js";

export class WarehouseError extends PipelineError {
  readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, options: PipelineErrorOptions & { code: string; retryable: boolean }) {
    super(message, options);
    this.code = options.code;
    this.retryable = options.retryable;
  }
}

/** The warehouse could not be reached or is temporarily unable to serve (retryable). */
export class WarehouseUnavailableError extends WarehouseError {
  constructor(message: string, options: PipelineErrorOptions & { code?: string } = {}) {
    super(message, { ...options, code: options.code ?? "WAREHOUSE_UNAVAILABLE", retryable: true });
  }
}

/** The statement itself is wrong or not permitted (not retryable). */
export class WarehouseQueryError extends WarehouseError {
  constructor(message: string, options: PipelineErrorOptions & { code?: string } = {}) {
    super(message, { ...options, code: options.code ?? "WAREHOUSE_QUERY_FAILED", retryable: false });
  }
}

/** Credentials or configuration of the warehouse are missing or malformed (not retryable). */
export class WarehouseConfigError extends WarehouseError {
  constructor(message: string, options: PipelineErrorOptions = {}) {
    super(message, { ...options, code: "WAREHOUSE_CONFIG_INVALID", retryable: false });
  }
}
