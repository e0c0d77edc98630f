/**
 * One JSON line per log event, from one logger shared by every process: fixed `service`, per-job context
 * (`jobId`, `messageId`, `correlationId`) through `child()`, errors with their `code`, `retryable` and
 * `cause`. Values registered with `redact()` (secrets) are replaced wherever they appear in a line.
 */
import { isPipelineError } from "#events/errors.js";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  /** Default "info"; processes pass their configuration's LOG_LEVEL. */
  level?: LogLevel;
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
}

const secrets = new Set<string>();

/** Registers a secret value that must never appear in a log line (e.g. a warehouse password). */
export function redact(value: string | undefined): void {
  if (!value || value.length < 4) return;
  secrets.add(value);
  // Lines are scrubbed after JSON serialisation, where a value with `"`, `\` or control characters
  // appears escaped: register that form too.
  secrets.add(JSON.stringify(value).slice(1, -1));
}

function scrub(line: string): string {
  let out = line;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[REDACTED]");
  return out;
}

/** Serialises an error (and its cause chain, bounded) for a log line. */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return { message: String(error) };
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  if (isPipelineError(error)) {
    out.code = error.code;
    out.retryable = error.retryable;
  } else if ("code" in error && typeof error.code === "string") {
    out.code = error.code;
  }
  if (error.stack) out.stack = error.stack.split("\n").slice(0, 6).join("\n");
  if (error.cause !== undefined && depth < 3) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

export function createLogger(options: LoggerOptions, context: LogFields = {}): Logger {
  const level = options.level ?? "info";
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit = (lvl: LogLevel, message: string, fields: LogFields = {}) => {
    if (LEVELS[lvl] < LEVELS[level]) return;
    const record: LogFields = {
      time: new Date().toISOString(),
      level: lvl,
      service: options.service,
      message,
      ...context,
      ...fields,
    };
    if (fields.error !== undefined) record.error = serializeError(fields.error);
    write(scrub(JSON.stringify(record)));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...options, level, write }, { ...context, ...fields }),
  };
}
