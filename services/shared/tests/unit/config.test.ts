import { describe, expect, it } from "vitest";
import { DEFAULT_PREFIX } from "#events/topology.js";
import { readConsumerConfig } from "#services/consumers/config.js";
import { readWorkerConfig } from "#services/worker/config.js";
import { awsClientOptions, awsClientOptionsFromEnv } from "../../aws.js";
import { ConfigError } from "../../config.js";

describe("process configuration from shared pieces", () => {
  it.each([
    ["worker", readWorkerConfig],
    ["consumers", readConsumerConfig],
  ])("%s: defaults the prefix to the topology's and the log level to info", (_name, read) => {
    const config = read({});

    expect(config.REPORTS_PREFIX).toBe(DEFAULT_PREFIX);
    expect(config.LOG_LEVEL).toBe("info");
    expect(config.VISIBILITY_TIMEOUT_SECONDS).toBe(60);
  });

  it.each([
    ["LOG_LEVEL", "verbose", /LOG_LEVEL: must be one of debug, info, warn, error/],
    ["AWS_ENDPOINT_URL", "localhost:4566", /AWS_ENDPOINT_URL: must be an http\(s\) URL/],
    ["AWS_REGION", "US East", /AWS_REGION: must be a region/],
    ["REPORTS_PREFIX", "rp local", /REPORTS_PREFIX: must be 1-31 letters/],
    ["REPORTS_BUCKET", "Reports_Bucket", /REPORTS_BUCKET: must be an S3 bucket name/],
    ["VISIBILITY_TIMEOUT_SECONDS", "1", /VISIBILITY_TIMEOUT_SECONDS: must be at least 2/],
  ])("a malformed %s stops both processes naming the variable", (name, value, message) => {
    for (const read of [readWorkerConfig, readConsumerConfig]) {
      expect(() => read({ [name]: value })).toThrow(ConfigError);
      expect(() => read({ [name]: value })).toThrow(message);
    }
  });
});

describe("AWS client options from config", () => {
  it("take the endpoint and region from the config, AWS_REGION before AWS_DEFAULT_REGION", () => {
    expect(
      awsClientOptions({
        AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
        AWS_REGION: "eu-west-1",
        AWS_DEFAULT_REGION: "us-east-2",
      }),
    ).toEqual({ endpoint: "http://127.0.0.1:4566", region: "eu-west-1" });
    expect(awsClientOptions({ AWS_DEFAULT_REGION: "us-east-2" })).toEqual({ region: "us-east-2" });
    expect(awsClientOptions({})).toEqual({});
  });

  it("read from the environment, refuse a malformed endpoint naming it", () => {
    expect(() => awsClientOptionsFromEnv({ AWS_ENDPOINT_URL: "127.0.0.1:4566" })).toThrow(
      /AWS_ENDPOINT_URL:/,
    );
    expect(awsClientOptionsFromEnv({ AWS_ENDPOINT_URL: "http://127.0.0.1:4566" })).toEqual({
      endpoint: "http://127.0.0.1:4566",
    });
  });
});
