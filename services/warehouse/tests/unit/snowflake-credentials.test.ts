import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { WarehouseConfigError } from "../../errors.js";
import {
  parseSnowflakeCredentials,
  secretValuesOf,
  toConnectionOptions,
} from "../../snowflake-credentials.js";

// A throwaway key made for this run: nothing key-like is committed.
const PEM = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();
const base = { account: "xy12345", user: "SVC", role: "R", warehouse: "W", database: "D" };

function rejectionOf(payload: unknown): WarehouseConfigError {
  try {
    parseSnowflakeCredentials(JSON.stringify(payload), "sf");
  } catch (error) {
    if (error instanceof WarehouseConfigError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("parseSnowflakeCredentials", () => {
  it("rejects both password and privateKey at once", () => {
    expect(rejectionOf({ ...base, password: "pw-1234", privateKey: PEM }).message).toContain(
      "password: give either password or privateKey, not both",
    );
  });

  it("names every bad field in one message", () => {
    const message = rejectionOf({ ...base, account: "", protocol: "ftp", password: "pw-1234" }).message;

    expect(message).toContain("account: must be a non-empty string");
    expect(message).toContain("protocol:");
  });

  it("rejects a passphrase without a key", () => {
    expect(rejectionOf({ ...base, password: "pw-1234", privateKeyPassphrase: "pp-1234" }).message).toContain(
      "privateKeyPassphrase: needs privateKey",
    );
  });

  it("rejects a JSON array", () => {
    expect(() => parseSnowflakeCredentials("[]", "sf")).toThrow("payload must be a JSON object");
  });
});

describe("toConnectionOptions", () => {
  it("uses key-pair authentication for a private key", () => {
    const options = toConnectionOptions(
      parseSnowflakeCredentials(
        JSON.stringify({ ...base, privateKey: PEM, privateKeyPassphrase: "pp-1234" }),
        "sf",
      ),
    );

    expect(options).toMatchObject({
      authenticator: "SNOWFLAKE_JWT",
      privateKey: PEM,
      privateKeyPass: "pp-1234",
      username: "SVC",
      fetchAsString: ["Number"],
    });
    expect(options.password).toBeUndefined();
  });

  it("builds the access URL for a non-standard endpoint", () => {
    const options = toConnectionOptions(
      parseSnowflakeCredentials(
        JSON.stringify({ ...base, password: "pw-1234", host: "127.0.0.1", port: 8765, protocol: "http" }),
        "sf",
      ),
    );

    expect(options.accessUrl).toBe("http://127.0.0.1:8765");
  });
});

describe("sign-in methods beyond key pair and password", () => {
  it("WORKLOAD_IDENTITY signs in as the task's own cloud identity: nothing secret in the secret", () => {
    const credentials = parseSnowflakeCredentials(
      JSON.stringify({ ...base, authenticator: "WORKLOAD_IDENTITY" }),
      "sf",
    );

    expect(toConnectionOptions(credentials)).toMatchObject({
      authenticator: "WORKLOAD_IDENTITY",
      workloadIdentityProvider: "AWS",
      username: "SVC",
    });
    expect(secretValuesOf(credentials)).toEqual([]);
  });

  it("OAUTH_CLIENT_CREDENTIALS needs its client and token URL, and treats the client secret as a secret", () => {
    const oauth = {
      ...base,
      authenticator: "OAUTH_CLIENT_CREDENTIALS",
      oauthClientId: "report-worker",
      oauthClientSecret: "client-secret-value",
      oauthTokenRequestUrl: "https://idp.example.com/oauth2/token",
    };
    const credentials = parseSnowflakeCredentials(JSON.stringify(oauth), "sf");

    expect(toConnectionOptions(credentials)).toMatchObject({
      authenticator: "OAUTH_CLIENT_CREDENTIALS",
      oauthClientId: "report-worker",
      oauthTokenRequestUrl: "https://idp.example.com/oauth2/token",
    });
    expect(secretValuesOf(credentials)).toEqual(["client-secret-value"]);
    const { oauthClientSecret: _, ...missing } = oauth;
    expect(rejectionOf(missing).message).toContain(
      "oauthClientSecret: is required with OAUTH_CLIENT_CREDENTIALS",
    );
    expect(rejectionOf({ ...oauth, oauthTokenRequestUrl: "http://idp.example.com/token" }).message).toContain(
      "oauthTokenRequestUrl: must be an https URL",
    );
  });

  it("refuses a password next to a method that does not use one, naming it", () => {
    expect(
      rejectionOf({ ...base, authenticator: "WORKLOAD_IDENTITY", password: "pw-1234" }).message,
    ).toContain("password: not used with WORKLOAD_IDENTITY");
  });
});
