import { describe, expect, it } from "vitest";
import { readIntakeConfig } from "../../config.js";

const TOKEN = "a".repeat(32);

describe("readIntakeConfig", () => {
  it("needs only the gateway token locally, with defaults for the rest", () => {
    const c = readIntakeConfig({ INTAKE_GATEWAY_TOKEN: TOKEN });

    expect(c).toMatchObject({
      HTTP_PORT: 8080,
      INTAKE_CALLER_JOBS_PER_MINUTE: 600,
      INTAKE_CALLER_BURST: 500,
    });
    expect(c.INTAKE_LOCAL_CALLER).toBeUndefined();
  });

  it("names the variable that is missing or malformed", () => {
    expect(() => readIntakeConfig({})).toThrow(/INTAKE_GATEWAY_TOKEN is required/);
    expect(() => readIntakeConfig({ INTAKE_GATEWAY_TOKEN: "short" })).toThrow(
      /INTAKE_GATEWAY_TOKEN: must be 32/,
    );
    expect(() => readIntakeConfig({ INTAKE_GATEWAY_TOKEN: `${TOKEN}'x` })).toThrow(/INTAKE_GATEWAY_TOKEN/);
    expect(() => readIntakeConfig({ INTAKE_GATEWAY_TOKEN: TOKEN, INTAKE_LOCAL_CALLER: "a b" })).toThrow(
      /INTAKE_LOCAL_CALLER/,
    );
    expect(() => readIntakeConfig({ INTAKE_GATEWAY_TOKEN: TOKEN, INTAKE_CALLER_BURST: "0" })).toThrow(
      /INTAKE_CALLER_BURST: must be at least 1/,
    );
    expect(() => readIntakeConfig({ INTAKE_GATEWAY_TOKEN: TOKEN, INTAKE_JOB_ID_KEY: "k" })).toThrow(
      /INTAKE_JOB_ID_KEY: must be at least 32/,
    );
  });
});
