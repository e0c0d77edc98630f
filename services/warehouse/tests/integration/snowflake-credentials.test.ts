/**
 * loadSnowflakeCredentials against Secrets Manager on the local AWS: a real secret is read and validated;
 * malformed payloads are rejected naming the field, and the secret's value never reaches the message.
 */
import { randomBytes } from "node:crypto";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, it } from "vitest";
import { createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { WarehouseConfigError } from "../../errors.js";
import { loadSnowflakeCredentials } from "../../snowflake-credentials.js";

const aws = createAwsClients();
const created: string[] = [];
const PASSWORD = `pw-${randomBytes(8).toString("hex")}`;
const valid = {
  account: "xy12345.eu-west-1",
  user: "REPORTS_SVC",
  password: PASSWORD,
  role: "REPORTING",
  warehouse: "REPORTS_WH",
  database: "ANALYTICS_PLATFORM",
};

async function secretWith(secretString: string): Promise<string> {
  const name = `test/snowflake-creds-${randomBytes(4).toString("hex")}`;
  await aws.secrets.send(new CreateSecretCommand({ Name: name, SecretString: secretString }));
  created.push(name);
  return name;
}

async function rejection(secretId: string): Promise<WarehouseConfigError> {
  const error = await loadSnowflakeCredentials(aws.secrets, secretId).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WarehouseConfigError);
  return error as WarehouseConfigError;
}

/** Everything a log line could print about the error. */
function everythingPrintable(error: Error): string {
  return [error.message, error.stack ?? "", JSON.stringify(error), String(error.cause ?? "")].join("\n");
}

afterAll(async () => {
  for (const name of created) {
    await aws.secrets.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  }
  destroyAwsClients(aws);
});

describe("loadSnowflakeCredentials", () => {
  it("reads and validates a password secret", async () => {
    const id = await secretWith(JSON.stringify({ ...valid, schema: "REPORTING", extra: "ignored" }));

    const credentials = await loadSnowflakeCredentials(aws.secrets, id);

    expect(credentials).toEqual({ ...valid, schema: "REPORTING" });
  });

  it("rejects a payload without warehouse, naming the field, without quoting the password", async () => {
    const { warehouse: _, ...withoutWarehouse } = valid;
    const id = await secretWith(JSON.stringify(withoutWarehouse));

    const error = await rejection(id);

    expect(error.message).toContain("warehouse: is required");
    expect(error.retryable).toBe(false);
    expect(everythingPrintable(error)).not.toContain(PASSWORD);
  });

  it("rejects a wrongly typed field, naming it", async () => {
    const id = await secretWith(JSON.stringify({ ...valid, port: "443" }));

    const error = await rejection(id);

    expect(error.message).toMatch(/port: .*expected number/);
    expect(everythingPrintable(error)).not.toContain(PASSWORD);
  });

  it("rejects a secret with neither password nor privateKey", async () => {
    const { password: _, ...noAuth } = valid;
    const id = await secretWith(JSON.stringify(noAuth));

    const error = await rejection(id);

    expect(error.message).toContain("password: one of password or privateKey is required");
  });

  it("rejects a private key that is not PEM without echoing it", async () => {
    const { password: _, ...noPassword } = valid;
    const id = await secretWith(JSON.stringify({ ...noPassword, privateKey: PASSWORD }));

    const error = await rejection(id);

    expect(error.message).toContain("privateKey: must be a PEM-encoded private key");
    expect(everythingPrintable(error)).not.toContain(PASSWORD);
  });

  it("rejects a payload that is not JSON without echoing any of it", async () => {
    const id = await secretWith(`{"password": "${PASSWORD}", oops`);

    const error = await rejection(id);

    expect(error.message).toContain("payload is not valid JSON");
    expect(everythingPrintable(error)).not.toContain(PASSWORD);
  });

  it("reports a missing secret as a configuration error naming the secret", async () => {
    const error = await rejection("test/snowflake-creds-does-not-exist");

    expect(error.message).toContain("test/snowflake-creds-does-not-exist");
    expect(error.message).toContain("ResourceNotFoundException");
  });
});
