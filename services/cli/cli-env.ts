/**
 * The environment the `reports` CLI reads, through readConfig like every process: the topology prefix and
 * an explicit bucket (flags override both), the AWS endpoint and region, and who submits. Read when a
 * command needs it, so `--help` and argument errors do not depend on the environment; a malformed value
 * is a ConfigError naming the variable (exit 2).
 */
import { z } from "zod";
import { awsVars, readConfig, topologyVars } from "#services/shared/config.js";

export const CliEnvSchema = z.object({
  ...topologyVars,
  ...awsVars,
  /** `requestedBy` of submitted jobs when `--requested-by` is not given (default `reports-cli:<user>`). */
  REPORTS_REQUESTED_BY: z.string().min(1).max(256).optional(),
});

export type CliEnv = z.output<typeof CliEnvSchema>;

export function readCliEnv(env: NodeJS.ProcessEnv): CliEnv {
  return readConfig(CliEnvSchema, env);
}
