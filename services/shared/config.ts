/**
 * Reads a process's configuration from the environment once, at start, with a zod schema whose keys are
 * the variable names. A missing or malformed value stops the process with a message naming the variable.
 */
import type { z } from "zod";
import { PipelineError } from "#events/errors.js";

export class ConfigError extends PipelineError {
  readonly code = "CONFIG_INVALID";
  readonly retryable = false;
}

export function readConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join(".") || "(environment)";
    return env[name] === undefined && issue.code === "invalid_type"
      ? `${name} is required`
      : `${name}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}
