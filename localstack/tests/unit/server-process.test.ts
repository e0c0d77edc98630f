import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writtenSince } from "../../local-aws.js";
import { LocalServerStartError, logTail, waitUntilHealthy } from "../../server-process.js";

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), "server-process-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const LOCALSTACK_CRASH = [
  "2026-12-01T23:01:48.498  WARN --- [  MainThread] localstack.deprecations    : TMPDIR is deprecated",
  "ERROR: the LocalStack runtime exited unexpectedly: 'X509' object has no attribute 'add_extensions'",
  "Traceback (most recent call last):",
  '  File "<frozen runpy>", line 198, in _run_module_as_main',
  '  File ".../localstack/utils/crypto.py", line 119, in generate_ssl_cert',
  "    cert.add_extensions(",
  "AttributeError: 'X509' object has no attribute 'add_extensions'",
];

describe("logTail", () => {
  it("starts at the error line before the last traceback and ends with the exception", () => {
    const log = join(scratch(), "server.log");
    writeFileSync(
      log,
      `${["old run", "Traceback (most recent call last):", "OldError: x", ...LOCALSTACK_CRASH].join("\n")}\n`,
    );

    const tail = logTail(log).split("\n");

    expect(tail[0]).toMatch(/^ERROR: the LocalStack runtime exited unexpectedly/);
    expect(tail.at(-1)).toBe("AttributeError: 'X509' object has no attribute 'add_extensions'");
    expect(tail.join("\n")).not.toContain("OldError");
  });

  it("reads only what was written since the offset, and the last lines when there is no traceback", () => {
    const log = join(scratch(), "server.log");
    writeFileSync(log, "earlier start\nTraceback (most recent call last):\nOldError: x\n");
    const from = Buffer.byteLength("earlier start\nTraceback (most recent call last):\nOldError: x\n");
    writeFileSync(log, Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n"), { flag: "a" });

    const tail = logTail(log, from, 5).split("\n");

    expect(tail).toEqual(["line 0", "line 1", "  … 35 lines …", "line 38", "line 39"]);
  });
});

describe("waitUntilHealthy", () => {
  it("fails at once with the exception when the server exits during start-up", async () => {
    const log = join(scratch(), "server.log");
    writeFileSync(log, `${LOCALSTACK_CRASH.join("\n")}\n`);
    const child = spawn(process.execPath, ["-e", "setTimeout(() => process.exit(1), 100)"]);
    const started = Date.now();

    const outcome = await waitUntilHealthy({
      name: "TestServer",
      child,
      healthy: async () => false,
      timeoutMs: 30_000,
      logFile: log,
      logFrom: 0,
    }).catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(LocalServerStartError);
    expect((outcome as Error).message).toMatch(/TestServer exited during start-up \(code 1\)/);
    expect((outcome as Error).message).toContain(
      "AttributeError: 'X509' object has no attribute 'add_extensions'",
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("times out with the log's last lines when the server stays up but never healthy", async () => {
    const log = join(scratch(), "server.log");
    writeFileSync(log, "listening soon\n");
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10_000)"]);
    try {
      const outcome = await waitUntilHealthy({
        name: "TestServer",
        child,
        healthy: async () => false,
        timeoutMs: 300,
        logFile: log,
        logFrom: 0,
        stepMs: 50,
      }).catch((error: unknown) => error);

      expect((outcome as Error).message).toMatch(/did not become healthy within 300 ms[\s\S]*listening soon/);
    } finally {
      child.kill();
    }
  });

  it("resolves once the server answers healthy", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10_000)"]);
    let polls = 0;
    try {
      await waitUntilHealthy({
        name: "TestServer",
        child,
        healthy: async () => ++polls >= 3,
        timeoutMs: 5_000,
        logFile: join(scratch(), "none.log"),
        logFrom: 0,
        stepMs: 10,
      });
      expect(polls).toBe(3);
    } finally {
      child.kill();
    }
  });
});

describe("writtenSince", () => {
  it("lists what was written in a location after the given time, and nothing for a later time", () => {
    const root = scratch();
    const since = Date.now() - 1000;
    writeFileSync(join(root, "server.test.pem"), "y");

    expect(writtenSince(since, [root, join(root, "missing")])).toContain(join(root, "server.test.pem"));
    expect(writtenSince(Date.now() + 60_000, [root])).toEqual([]);
  });
});
