import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localAwsEnv, localEndpoint, REPO_ROOT } from "../../local-aws.js";
import { assertProjectNode, projectNodeMajor } from "../../project-node.js";

describe("project runtime", () => {
  it("pins the scripts' Node to the major the container image runs", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "services", "Dockerfile"), "utf8");
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));

    expect(bases.length).toBeGreaterThan(0);
    expect(new Set(bases)).toEqual(new Set([projectNodeMajor(REPO_ROOT)]));
  });

  it("stops a script started on another Node, naming both versions", () => {
    const want = projectNodeMajor(REPO_ROOT);
    expect(() => assertProjectNode(REPO_ROOT, "20.20.2")).toThrow(
      new RegExp(`runs on Node ${want} from node_modules/.bin.*started with Node 20\\.20\\.2`),
    );
    expect(() => assertProjectNode(REPO_ROOT, `${want}.1.0`)).not.toThrow();
  });

  it("declares no engines field, which would make npm warn on every npx under the machine's Node", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { engines?: unknown };
    expect(pkg.engines).toBeUndefined();
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
