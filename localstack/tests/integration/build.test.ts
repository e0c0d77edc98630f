/**
 * `npm run build` emits only what is deployed, and the emitted JS runs with plain node: every process's
 * entry point (the image's command, `node dist/services/<process>/main.js`) starts against LocalStack and
 * drains on SIGTERM, with no tsx loaded.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, DIST_DIR } from "../../build.js";
import { REPO_ROOT } from "../../local-aws.js";
import { type ServiceProcess, startService } from "../../service-process.js";
import { createTestTopology, type TestTopology, testWorkerEnv } from "../../testing.js";

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const SPECIFIER = /(?:from\s*|import\s*\(\s*|import\s+)["']([^"']+)["']/g;

describe("npm run build", () => {
  let t: TestTopology;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    build();
    t = await createTestTopology();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop(5_000)));
    await t?.dispose();
  });

  it("emits events/ and services/ without tests, tooling, infra or TypeScript imports", () => {
    const emitted = files(DIST_DIR).map((f) => relative(DIST_DIR, f));
    const js = emitted.filter((f) => f.endsWith(".js"));

    expect(js.length).toBeGreaterThan(50);
    expect(new Set(emitted.map((f) => f.split("/")[0]))).toEqual(
      new Set(["events", "services", "package.json"]),
    );
    expect(emitted.filter((f) => /(^|\/)tests\//.test(f))).toEqual([]);
    const bad = js.flatMap((f) =>
      [...readFileSync(join(DIST_DIR, f), "utf8").matchAll(SPECIFIER)]
        .map((m) => m[1] ?? "")
        .filter(
          (spec) =>
            spec === "tsx" ||
            spec.startsWith("tsx/") ||
            spec.endsWith(".ts") ||
            spec.startsWith("#localstack/") ||
            spec.startsWith("#infra/"),
        )
        .map((spec) => `${f} -> ${spec}`),
    );
    expect(bad).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(DIST_DIR, "package.json"), "utf8")) as { imports: object };
    expect(Object.keys(pkg.imports).sort()).toEqual(["#events/*", "#services/*"]);
  });

  it.each([
    ["worker", '"worker started"'],
    ["organizer", '"consumers started"'],
    ["notifier", '"consumers started"'],
    ["auditor", '"consumers started"'],
    ["intake", '"intake started"'],
  ])("node dist/services/%s/main.js starts with plain node and exits 0 on SIGTERM", async (id, ready) => {
    const p = startService({
      name: `dist-${id}`,
      script: `dist/services/${id}/main.js`,
      loader: "none",
      env: {
        ...testWorkerEnv(t.provisioned.topology.prefix),
        NODE_OPTIONS: "",
        LOG_LEVEL: "info",
        INTAKE_GATEWAY_TOKEN: "b".repeat(40),
      },
      logFile: join(REPO_ROOT, ".local", "logs", "build", `${t.provisioned.topology.prefix}-${id}.log`),
    });
    running.push(p);

    await p.waitForLine(ready, 30_000);
    expect(await p.stop(20_000)).toBe(0);
    expect(p.lines.join("\n")).not.toMatch(/tsx/);
  });
});
