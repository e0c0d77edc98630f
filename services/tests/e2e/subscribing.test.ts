/**
 * The README section "Subscribing from your own repository", run as written against LocalStack: its code
 * blocks become the files of a scratch subscriber project outside the repository, which installs the
 * package from the tarball the README's own build command packs; the project type-checks (the Pulumi
 * stack with the component, the handler, the local subscription) against the package's declarations;
 * then its local subscription is made on the test's bus, the README's `reports emit` lines run through the
 * real `reports` binary, and `receiveLocally()` must return exactly the two matching events.
 * (@pulumi/* and @aws-sdk/* are linked from this repository's node_modules: the subscriber's own
 * dependencies, which npm would fetch for a real project.)
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { DeleteRuleCommand, RemoveTargetsCommand } from "@aws-sdk/client-eventbridge";
import { DeleteQueueCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "#events/error-codes.js";
import { exampleReportEvent } from "#events/report-events.schema.js";
import { installIntoScratchProject, scratchCompilerOptions } from "#localstack/events-package.js";
import { REPO_ROOT } from "#localstack/local-aws.js";
import { createTestTopology, type TestTopology } from "#localstack/testing.js";

const SECTION = "## Subscribing from your own repository";
const BIN = join(REPO_ROOT, "services", "cli", "bin", "reports.js");
const NODE = join(REPO_ROOT, "node_modules", ".bin", "node");
const TSC = join(REPO_ROOT, "node_modules", ".bin", "tsc");

/** The section's code blocks, each with the `<!-- readme-test: … -->` marker before it. */
function sectionBlocks(): { marker: string; code: string }[] {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(SECTION);
  if (start < 0) throw new Error(`README has no "${SECTION}"`);
  const end = readme.indexOf("\n## ", start + SECTION.length);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/<!-- readme-test: ([^>]+?) -->\n```\w+\n([\s\S]*?)```/g)].map((m) => ({
    marker: m[1] ?? "",
    code: m[2] ?? "",
  }));
}

/** Shell lines of a block, comments dropped, split into words (the README's lines use no quoting). */
const commandLines = (code: string) =>
  code
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l !== "");

const DRIVER = `
import { receiveLocally, subscribeLocally } from "./local-subscription.js";
const url = await subscribeLocally(process.argv[2]);
process.stdout.write("subscribed\\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
process.stdin.destroy(); // an open stdin would keep the process alive
process.stdout.write(JSON.stringify(await receiveLocally(url, Number(process.argv[3]))) + "\\n");
`;

describe("README: subscribing from your own repository", () => {
  let t: TestTopology;
  let tmp: string;
  let scratch: string;
  let tarball: string;
  const blocks = sectionBlocks();
  const block = (marker: string) => {
    const found = blocks.find((b) => b.marker === marker);
    if (!found) throw new Error(`README section has no block marked "${marker}"`);
    return found.code;
  };
  let subscriber = "";

  beforeAll(async () => {
    t = await createTestTopology();
    subscriber = `${t.provisioned.topology.prefix}-billing`;
    tmp = mkdtempSync(join(tmpdir(), "rp-subscribing-"));
    scratch = join(tmp, "billing");

    // 1. the README's build command, run as written; its install line names the tarball it printed
    const [build, install] = commandLines(block("sh build"));
    expect(build).toBe("npm run build:events-package -- --pack");
    const printed = execFileSync("npm", ["run", "--silent", "build:events-package", "--", "--pack"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    tarball = printed.trim().split("\n").at(-1) ?? "";
    expect(tarball.startsWith(join(REPO_ROOT, ".local", "packages"))).toBe(true);
    expect(install?.endsWith(`npm install ../report-pipeline/${tarball.slice(REPO_ROOT.length + 1)}`)).toBe(
      true,
    );

    installIntoScratchProject(scratch, "billing", tarball);
    for (const scope of ["@pulumi", "@aws-sdk"])
      symlinkSync(join(REPO_ROOT, "node_modules", scope), join(scratch, "node_modules", scope));

    for (const { marker, code } of blocks) {
      const file = /^file (\S+)$/.exec(marker)?.[1];
      if (file) writeFileSync(join(scratch, file), code);
    }
    writeFileSync(join(scratch, "src", "driver.ts"), DRIVER);
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: scratchCompilerOptions({ skipLibCheck: true }),
        include: ["src"],
      }),
    );
  }, 240_000);

  afterAll(async () => {
    if (t && subscriber) {
      const bus = t.provisioned.busName;
      await t.clients.events
        .send(new RemoveTargetsCommand({ Rule: subscriber, EventBusName: bus, Ids: [subscriber] }))
        .catch(() => undefined);
      await t.clients.events
        .send(new DeleteRuleCommand({ Name: subscriber, EventBusName: bus }))
        .catch(() => undefined);
      const queue = await t.clients.sqs
        .send(new GetQueueUrlCommand({ QueueName: subscriber }))
        .catch(() => undefined);
      if (queue?.QueueUrl) await t.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.QueueUrl }));
    }
    await t?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("has the blocks the steps need", () => {
    expect(blocks.map((b) => b.marker)).toEqual([
      "sh build",
      "file src/filter.ts",
      "file src/subscription.ts",
      "file src/handler.ts",
      "file src/local-subscription.ts",
      "sh emit",
    ]);
  });

  it("type-checks the subscriber's stack, handler and local subscription against the package", () => {
    const tsc = spawnSync(TSC, ["-p", join(scratch, "tsconfig.json")], { cwd: scratch, encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });

  it("receives exactly the matching events that the README's `reports emit` lines send", async () => {
    // the file the README's last emit line reads: a customer_analysis report of another job
    const customers = {
      ...exampleReportEvent("ReportGenerated", { jobId: "BILLING_TEST_2" }),
      reportType: "customer_analysis",
    };
    writeFileSync(join(scratch, "customers-generated.json"), JSON.stringify(customers));
    const env = {
      ...process.env,
      REPORTS_PREFIX: t.provisioned.topology.prefix,
      PATH: `${join(REPO_ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
    };

    const driver: ChildProcess = spawn(NODE, [join(scratch, "out", "driver.js"), subscriber, "6"], {
      cwd: scratch,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    driver.stdout?.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
    });
    driver.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => driver.on("exit", resolve));
    const killer = setTimeout(() => driver.kill("SIGKILL"), 60_000);
    const deadline = Date.now() + 30_000;
    while (!stdout.includes("subscribed\n")) {
      if (Date.now() > deadline || driver.exitCode !== null)
        throw new Error(`subscribeLocally failed: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const emits = commandLines(block("sh emit"));
    expect(emits).toHaveLength(4);
    for (const line of emits) {
      const [npx, reports, ...args] = line.split(/\s+/);
      expect(`${npx} ${reports}`).toBe("npx reports");
      const run = spawnSync(BIN, args, { cwd: scratch, env, encoding: "utf8" });
      expect(run.status, `${line}: ${run.stderr}`).toBe(0);
    }

    driver.stdin?.end("go\n");
    const code = await exited;
    clearTimeout(killer);
    expect(code, stderr).toBe(0);
    const handled = JSON.parse(
      stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .at(-1) ?? "[]",
    ) as string[];
    const generated = exampleReportEvent("ReportGenerated", { jobId: "BILLING_TEST_1" });
    expect(handled.sort()).toEqual([
      `BILLING_TEST_1: ${generated.rowCount} rows at ${generated.uri}`,
      `BILLING_TEST_1: failed WAREHOUSE_UNAVAILABLE (${ERROR_CODES.WAREHOUSE_UNAVAILABLE.meaning}), retryable true`,
    ]);
  }, 90_000);
});
