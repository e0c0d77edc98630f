/**
 * The fault-injection suite at CI size (issue 9, item 1): 80 jobs through spawned workers and consumers
 * while a worker is SIGKILLed twice and restarted, the warehouse fails 10 % of queries (retryable), and a
 * local fault proxy fails 5 % of S3 puts and 5 % of PutEvents. Half of those proxy faults are "lost
 * responses" (the write took effect, the client still sees a 500/503), which is what once sent events to
 * the consumers' DLQs (a ledger claim mistaken for someone else's). Full size (1000 jobs, every proxy fault
 * before the write): `npm run test:faults`.
 */
import { describe, expect, it } from "vitest";
import {
  type FaultSuiteResult,
  formatFaultSuiteResult,
  runFaultSuite,
} from "../../../localstack/faults/fault-suite.js";

const JOBS = 80;

describe("pipeline under faults (kills, warehouse, S3 and EventBridge errors)", () => {
  it(`${JOBS} jobs: none lost, no duplicate object, one terminal event each, no message left`, async () => {
    const lines: string[] = [];
    const result: FaultSuiteResult = await runFaultSuite({
      jobs: JOBS,
      workers: 2,
      kills: 2,
      lostResponseShare: 0.5,
      timeoutMs: 120_000,
      log: (line) => lines.push(line),
    });
    const report = `${formatFaultSuiteResult(result)}\n${lines.join("\n")}`;

    // The faults really happened (a run that injected nothing proves nothing).
    expect(result.kills, report).toHaveLength(2);
    expect(result.faults.warehouse, report).toBeGreaterThan(0);
    expect(result.faults.proxy.faulted.s3Put, report).toBeGreaterThan(0);
    expect(result.faults.proxy.faulted.putEvents, report).toBeGreaterThan(0);
    expect(result.faults.proxy.lostResponses.s3Put, report).toBeGreaterThan(0);
    // And the pipeline absorbed them.
    expect(result.completed, report).toBe(true);
    expect(result.counts.lost, report).toBe(0);
    expect(result.counts.duplicateObjects, report).toBe(0);
    expect(result.counts.exactlyOneReport, report).toBe(JOBS);
    expect(result.counts.oneTerminalEvent, report).toBe(JOBS);
    expect(result.counts.finalFailures, report).toBe(0);
    expect(result.counts.duplicateAuditRecords, report).toBe(0);
    expect(result.counts.unindexedReports, report).toBe(0);
    expect(result.counts.messagesLeft, report).toBe(0);
  }, 170_000);
});
