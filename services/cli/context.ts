/** What a command needs from the outside world, injected so commands run in-process in tests too. */
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import {
  type AwsClients,
  awsClientOptions,
  createAwsClients,
  destroyAwsClients,
} from "#services/shared/aws.js";
import { readCliEnv } from "./cli-env.js";

export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** Results, one JSON line each (machine-readable). */
  out(line: string): void;
  /** Progress and errors, for humans. */
  err(line: string): void;
  now(): Date;
  readFile(path: string): string;
  /** Aborted on SIGINT / SIGTERM: commands stop waiting, clean up and exit 130. */
  signal: AbortSignal;
  /** AWS clients, created on first use (so `--help` and argument errors need no AWS configuration). */
  aws(endpoint?: string): AwsClients;
  /** What the process exits with when the command returns normally (a thrown error maps to its own code). */
  exitCode: number;
}

export function defaultRequestedBy(env: NodeJS.ProcessEnv): string {
  const configured = readCliEnv(env).REPORTS_REQUESTED_BY;
  if (configured) return configured;
  try {
    return `reports-cli:${userInfo().username}`;
  } catch {
    return "reports-cli";
  }
}

/** The real context: process streams, the real clock, SDK clients from the environment. */
export function processContext(signal: AbortSignal): CliContext & { dispose(): void } {
  let clients: AwsClients | undefined;
  return {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    now: () => new Date(),
    readFile: (path) => readFileSync(path, "utf8"),
    signal,
    exitCode: 0,
    aws(endpoint) {
      clients ??= createAwsClients({
        ...awsClientOptions(readCliEnv(process.env)),
        ...(endpoint ? { endpoint } : {}),
      });
      return clients;
    },
    dispose() {
      if (clients) destroyAwsClients(clients);
    },
  };
}
