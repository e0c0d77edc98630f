import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { WarehouseConfigError } from "../../errors.js";
import { parseSnowflakeCredentials, toConnectionOptions } from "../../snowflake-credentials.js";

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
