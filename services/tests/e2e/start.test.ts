import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { buildTopology } from "#events/topology.js";
import { createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { destroyTopology, provisionTopology } from "../../../localstack/bootstrap.js";
import { REPO_ROOT_FOR_TESTS, uniquePrefix } from "../../../localstack/testing.js";

/** Runs `npm start`'s program exactly as npm does, without a terminal, on its own topology prefix. */
function runStart(prefix: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "localstack/start/main.ts", "--prefix", prefix, "--timeout", "90"],
      {
        cwd: REPO_ROOT_FOR_TESTS,
        env: { ...process.env, CI: "true" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (c) => {
      output += c;
    });
    child.stderr.on("data", (c) => {
      output += c;
    });
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("npm start (reference workflow, non-interactive)", () => {
  const prefix = uniquePrefix("start");

  afterAll(async () => {
    const clients = createAwsClients();
    try {
      await destroyTopology(clients, await provisionTopology(clients, buildTopology({ prefix })));
    } finally {
      destroyAwsClients(clients);
    }
  });

  it("runs the six jobs to success, prints the summary and the tree, and exits 0; a second run reuses them", async () => {
    const first = await runStart(prefix);

    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/6\/6 jobs succeeded/);
    for (const job of [
      "WORKFLOW_CONNECTIVITY_TEST",
      "WORKFLOW_SALES_001",
      "WORKFLOW_CUSTOMER_001",
      "WORKFLOW_PRODUCT_001",
      "WORKFLOW_EXEC_001",
      "WORKFLOW_DQ_001",
    ]) {
      expect(first.output).toMatch(new RegExp(`${job}\\s+\\S+\\s+succeeded\\s+\\d+\\s+\\d+`));
    }
    for (const folder of ["customers", "executive", "products", "quality", "sales"]) {
      expect(first.output).toContain(`${folder}/`);
    }
    expect(first.output).toMatch(
      /customers\/\n.*WORKFLOW_CUSTOMER_001_customer_analysis_20250803_154608\.json \(\d+ bytes\)/,
    );
    expect(first.output).not.toContain("\x1b["); // no terminal control codes off a TTY
    const seconds = Number(/workflow ([\d.]+) s after the local AWS was up/.exec(first.output)?.[1]);
    expect(seconds).toBeGreaterThan(0);

    const second = await runStart(prefix);

    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/6\/6 jobs succeeded/);
    expect(second.output).toMatch(/succeeded \(reused\)/);
  }, 180_000);
});
