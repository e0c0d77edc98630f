/** The consumers' webhook settings (services/consumers/config.ts), as the notifier reads them. */
import { describe, expect, it } from "vitest";
import { readConsumerConfig } from "#services/consumers/config.js";

const LOCAL = { AWS_ENDPOINT_URL: "http://127.0.0.1:4566" };
const problem = (env: Record<string, string>) => {
  try {
    readConsumerConfig(env);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

describe("webhook configuration", () => {
  it("defaults to no allowlist, no per-host secrets and no loopback", () => {
    const config = readConsumerConfig({});

    expect([
      config.WEBHOOK_ALLOWED_HOSTS,
      config.WEBHOOK_SIGNING_SECRETS,
      config.WEBHOOK_ALLOW_LOOPBACK,
    ]).toEqual([undefined, undefined, false]);
  });

  it("reads WEBHOOK_ALLOWED_HOSTS as normalised host names", () => {
    const config = readConsumerConfig({
      WEBHOOK_ALLOWED_HOSTS: " Hooks.Example.com, other.example.org. ,[2606:2800::1]",
    });

    expect(config.WEBHOOK_ALLOWED_HOSTS).toEqual(["hooks.example.com", "other.example.org", "2606:2800::1"]);
  });

  it.each([
    ["an empty list", ""],
    ["only commas", " , ,"],
    ["a URL instead of a host", "https://hooks.example.com/x"],
    ["a host with a port", "hooks.example.com:443"],
  ])("refuses WEBHOOK_ALLOWED_HOSTS with %s, naming it", (_what, value) => {
    expect(problem({ WEBHOOK_ALLOWED_HOSTS: value })).toMatch(
      /^invalid configuration: WEBHOOK_ALLOWED_HOSTS: /,
    );
  });

  it("reads WEBHOOK_SIGNING_SECRETS as secrets by normalised host", () => {
    const config = readConsumerConfig({
      WEBHOOK_SIGNING_SECRETS: JSON.stringify({ "Hooks.Example.com": "hooks-secret-0123456789" }),
    });

    expect(config.WEBHOOK_SIGNING_SECRETS).toEqual({ "hooks.example.com": "hooks-secret-0123456789" });
  });

  it.each([
    ["not JSON", "{hooks.example.com: x}"],
    ["a JSON array", '["hooks-secret-0123456789"]'],
    ["a short secret", JSON.stringify({ "hooks.example.com": "short" })],
    ["a secret that is no string", JSON.stringify({ "hooks.example.com": 1234567890123456 })],
    ["a key that is no host", JSON.stringify({ "https://hooks.example.com": "hooks-secret-0123456789" })],
  ])("refuses WEBHOOK_SIGNING_SECRETS that is %s, naming it and never the secret", (_what, value) => {
    const message = problem({ WEBHOOK_SIGNING_SECRETS: value });

    expect(message).toMatch(/^invalid configuration: WEBHOOK_SIGNING_SECRETS: /);
    expect(message).not.toContain("short");
  });

  it("allows WEBHOOK_ALLOW_LOOPBACK=true only with a local emulator (AWS_ENDPOINT_URL)", () => {
    expect(readConsumerConfig({ ...LOCAL, WEBHOOK_ALLOW_LOOPBACK: "true" }).WEBHOOK_ALLOW_LOOPBACK).toBe(
      true,
    );
    expect(problem({ WEBHOOK_ALLOW_LOOPBACK: "true" })).toBe(
      "invalid configuration: WEBHOOK_ALLOW_LOOPBACK: may be true only for local development (AWS_ENDPOINT_URL set to a local emulator)",
    );
    expect(problem({ ...LOCAL, WEBHOOK_ALLOW_LOOPBACK: "yes" })).toMatch(
      /^invalid configuration: WEBHOOK_ALLOW_LOOPBACK: /,
    );
  });
});
