import { describe, expect, it } from "vitest";
import { localAwsEnv, localEndpoint } from "../../local-aws.js";

describe("project runtime", () => {
  it("runs tests on Node 24, the major the container image runs", () => {
    expect(process.versions.node.split(".")[0]).toBe("24");
  });
});

describe("local AWS settings", () => {
  it("targets loopback only", () => {
    expect(new URL(localEndpoint()).hostname).toBe("127.0.0.1");
    expect(localAwsEnv().AWS_ENDPOINT_URL).toBe(localEndpoint());
  });

  it("rejects a malformed LOCAL_AWS_PORT naming the variable", () => {
    const saved = process.env.LOCAL_AWS_PORT;
    process.env.LOCAL_AWS_PORT = "http";
    try {
      expect(() => localEndpoint()).toThrow(/LOCAL_AWS_PORT/);
    } finally {
      if (saved === undefined) delete process.env.LOCAL_AWS_PORT;
      else process.env.LOCAL_AWS_PORT = saved;
    }
  });
});
