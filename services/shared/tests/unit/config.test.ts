import { describe, expect, it } from "vitest";
import { DEFAULT_PREFIX } from "#events/topology.js";
import { readConsumerConfig } from "#services/consumers/config.js";
import { readWorkerConfig } from "#services/worker/config.js";
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
    ["VISIBILITY_TIMEOUT_SECONDS", "1", /VISIBILITY_TIMEOUT_SECONDS: must be at least 2/],
  ])("a malformed %s stops both processes naming the variable", (name, value, message) => {
    for (const read of [readWorkerConfig, readConsumerConfig]) {
      expect(() => read({ [name]: value })).toThrow(ConfigError);
      expect(() => read({ [name]: value })).toThrow(message);
    }
  });
});
