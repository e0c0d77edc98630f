/**
 * Snowflake credentials from a Secrets Manager secret. The secret is JSON:
 *
 * ```json
 * { "account": "xy12345.eu-west-1", "user": "REPORT_WORKER_SVC", "privateKey": "<PKCS#8 PEM of the key pair>",
 *   "role": "REPORT_WORKER", "warehouse": "REPORTS_WH", "database": "ANALYTICS_PLATFORM", "schema": "REPORTING" }
 * ```
 *
 * Key-pair is the default (optional `privateKeyPassphrase`; the user is TYPE = SERVICE, see
 * sql/snowflake/00_database.sql); `password` instead of `privateKey` for accounts that still allow it; and
 * optional `host`/`port`/`protocol` for non-standard endpoints (privatelink, a local emulator).
 *
 * Every error names the field and never carries the secret's value: not in the message, not in `cause`
 * (a JSON.parse SyntaxError quotes the input, so it is dropped on purpose).
 */

import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { ConnectionOptions } from "snowflake-sdk";
import { z } from "zod";
import { classifyAwsError } from "#events/aws-errors.js";
import { redact } from "#services/shared/logger.js";
import { WarehouseConfigError, WarehouseUnavailableError } from "./errors.js";

const nonEmpty = z.string().trim().min(1, "must be a non-empty string");

/** The sign-in methods the worker supports (snowflake-sdk 3.3 authenticator names). */
export const AUTHENTICATORS = [
  "SNOWFLAKE_JWT",
  "SNOWFLAKE",
  "WORKLOAD_IDENTITY",
  "OAUTH_CLIENT_CREDENTIALS",
] as const;

export const snowflakeCredentialsSchema = z
  .object({
    account: nonEmpty,
    user: nonEmpty,
    password: z.string().min(1, "must be a non-empty string").optional(),
    privateKey: z
      .string()
      .refine((pem) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem), "must be a PEM-encoded private key")
      .optional(),
    privateKeyPassphrase: z.string().min(1, "must be a non-empty string").optional(),
    /**
     * How the worker signs in: key pair (`SNOWFLAKE_JWT`, the default with `privateKey`), password
     * (`SNOWFLAKE`, the default with `password`), `WORKLOAD_IDENTITY` (the task's own cloud identity, no
     * credential in the secret; `workloadIdentityProvider`, default AWS) or `OAUTH_CLIENT_CREDENTIALS`
     * (`oauthClientId`, `oauthClientSecret`, `oauthTokenRequestUrl`, optional `oauthScope`).
     */
    authenticator: z.enum(AUTHENTICATORS).optional(),
    workloadIdentityProvider: z.enum(["AWS", "AZURE", "GCP", "OIDC"]).optional(),
    oauthClientId: nonEmpty.optional(),
    oauthClientSecret: z.string().min(1, "must be a non-empty string").optional(),
    oauthTokenRequestUrl: z.url({ protocol: /^https$/, error: "must be an https URL" }).optional(),
    oauthScope: nonEmpty.optional(),
    role: nonEmpty,
    warehouse: nonEmpty,
    database: nonEmpty,
    schema: nonEmpty.optional(),
    host: nonEmpty.optional(),
    port: z.number().int().min(1).max(65535).optional(),
    protocol: z.enum(["http", "https"]).optional(),
  })
  .superRefine((value, ctx) => {
    const hasPassword = value.password !== undefined;
    const hasKey = value.privateKey !== undefined;
    if (value.authenticator === "WORKLOAD_IDENTITY" || value.authenticator === "OAUTH_CLIENT_CREDENTIALS") {
      for (const field of ["password", "privateKey", "privateKeyPassphrase"] as const) {
        if (value[field] !== undefined) {
          ctx.addIssue({ code: "custom", path: [field], message: `not used with ${value.authenticator}` });
        }
      }
      if (value.authenticator === "OAUTH_CLIENT_CREDENTIALS") {
        for (const field of ["oauthClientId", "oauthClientSecret", "oauthTokenRequestUrl"] as const) {
          if (value[field] === undefined) {
            ctx.addIssue({
              code: "custom",
              path: [field],
              message: "is required with OAUTH_CLIENT_CREDENTIALS",
            });
          }
        }
      }
      return;
    }
    if (value.authenticator === "SNOWFLAKE_JWT" && !hasKey) {
      ctx.addIssue({ code: "custom", path: ["privateKey"], message: "is required with SNOWFLAKE_JWT" });
      return;
    }
    if (value.authenticator === "SNOWFLAKE" && !hasPassword) {
      ctx.addIssue({ code: "custom", path: ["password"], message: "is required with SNOWFLAKE" });
      return;
    }
    if (hasPassword === hasKey) {
      ctx.addIssue({
        code: "custom",
        path: ["password"],
        message: hasKey
          ? "give either password or privateKey, not both"
          : "one of password or privateKey is required",
      });
    }
    if (value.privateKeyPassphrase !== undefined && !hasKey) {
      ctx.addIssue({ code: "custom", path: ["privateKeyPassphrase"], message: "needs privateKey" });
    }
  });

export type SnowflakeCredentials = z.infer<typeof snowflakeCredentialsSchema>;

/**
 * Validates a secret payload (the SecretString). Throws WarehouseConfigError naming each bad field; the
 * message quotes zod's per-field messages (which describe expectations, not the received value) and
 * nothing of the payload itself.
 */
export function parseSnowflakeCredentials(secretString: string, secretId: string): SnowflakeCredentials {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    // no cause: SyntaxError messages quote the input
    throw new WarehouseConfigError(`Snowflake secret ${secretId}: payload is not valid JSON`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new WarehouseConfigError(`Snowflake secret ${secretId}: payload must be a JSON object`);
  }
  const parsed = snowflakeCredentialsSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path.map(String).join(".") || "(root)";
      const missing = issue.code === "invalid_type" && !(field in (json as Record<string, unknown>));
      return `${field}: ${missing ? "is required" : issue.message}`;
    });
    throw new WarehouseConfigError(`Snowflake secret ${secretId}: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** The SDK's name for an AWS error (for messages: it never carries the secret's value). */
function awsErrorName(error: unknown): string {
  return classifyAwsError(error).awsCode;
}

/** Secrets Manager throttled, failed or could not be reached: the next attempt may succeed. */
function isTransientAwsError(error: unknown): boolean {
  return classifyAwsError(error).retryable;
}

/** Reads and validates the credentials secret. */
export async function loadSnowflakeCredentials(
  secrets: SecretsManagerClient,
  secretId: string,
): Promise<SnowflakeCredentials> {
  let secretString: string | undefined;
  try {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    secretString = out.SecretString;
  } catch (error) {
    // AWS errors carry no secret value; keep them as cause for diagnosis
    if (isTransientAwsError(error)) {
      throw new WarehouseUnavailableError(
        `Snowflake secret ${secretId}: Secrets Manager unavailable (${awsErrorName(error)})`,
        { cause: error, code: "WAREHOUSE_SECRET_UNAVAILABLE" },
      );
    }
    throw new WarehouseConfigError(
      `Snowflake secret ${secretId}: cannot read it (${awsErrorName(error) || "error"})`,
      { cause: error },
    );
  }
  if (secretString === undefined) {
    throw new WarehouseConfigError(
      `Snowflake secret ${secretId}: has no SecretString (binary secrets are not supported)`,
    );
  }
  const credentials = parseSnowflakeCredentials(secretString, secretId);
  // From here on no log line of this process may carry these values, whatever logs them.
  for (const value of secretValuesOf(credentials)) redact(value);
  return credentials;
}

/** snowflake-sdk connection options for the credentials. */
export function toConnectionOptions(credentials: SnowflakeCredentials): ConnectionOptions {
  const options: ConnectionOptions = {
    account: credentials.account,
    username: credentials.user,
    role: credentials.role,
    warehouse: credentials.warehouse,
    database: credentials.database,
    application: "report-pipeline",
    clientSessionKeepAlive: true,
    // NUMBER arrives as Snowflake's text (not Number(), which rounds integers past 2^53 and NUMBER(38,2)
    // past 15 digits); toJsonSafe keeps it exact: a number when one is exactly the value, else the decimal
    // string — as the DuckDB adapter does for BIGINT and DECIMAL
    fetchAsString: ["Number"],
  };
  if (credentials.schema !== undefined) options.schema = credentials.schema;
  const extra = options as ConnectionOptions & Record<string, unknown>;
  if (credentials.authenticator === "WORKLOAD_IDENTITY") {
    extra.authenticator = "WORKLOAD_IDENTITY";
    extra.workloadIdentityProvider = credentials.workloadIdentityProvider ?? "AWS";
  } else if (credentials.authenticator === "OAUTH_CLIENT_CREDENTIALS") {
    extra.authenticator = "OAUTH_CLIENT_CREDENTIALS";
    extra.oauthClientId = credentials.oauthClientId ?? "";
    extra.oauthClientSecret = credentials.oauthClientSecret ?? "";
    extra.oauthTokenRequestUrl = credentials.oauthTokenRequestUrl ?? "";
    if (credentials.oauthScope !== undefined) extra.oauthScope = credentials.oauthScope;
  } else if (credentials.privateKey !== undefined) {
    options.authenticator = "SNOWFLAKE_JWT";
    options.privateKey = credentials.privateKey;
    if (credentials.privateKeyPassphrase !== undefined)
      options.privateKeyPass = credentials.privateKeyPassphrase;
  } else if (credentials.password !== undefined) {
    options.authenticator = "SNOWFLAKE";
    options.password = credentials.password;
  }
  if (credentials.host !== undefined) {
    const protocol = credentials.protocol ?? "https";
    const port = credentials.port !== undefined ? `:${credentials.port}` : "";
    options.host = credentials.host;
    options.accessUrl = `${protocol}://${credentials.host}${port}`;
  }
  return options;
}

/** The values in the credentials that must never appear in a message or log line. */
export function secretValuesOf(credentials: SnowflakeCredentials): string[] {
  return [
    credentials.password,
    credentials.privateKey,
    credentials.privateKeyPassphrase,
    credentials.oauthClientSecret,
  ].filter((v): v is string => typeof v === "string" && v.length >= 4);
}
