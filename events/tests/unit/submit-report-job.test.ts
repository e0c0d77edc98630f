import type { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { DEFAULT_REQUESTED_BY, prepareReportJob, submitReportJobs } from "#events/submit-report-job.js";
import { aJob } from "../fixtures/builders.js";

type Answer = { ok: boolean; code?: string; senderFault?: boolean };

/** An SQS stand-in for unit tests only (integration tests use LocalStack): answers each batch entry. */
function fakeSqs(answer: (body: { jobId: string }, call: number) => Answer) {
  const calls: string[][] = [];
  const client = {
    async send(command: SendMessageBatchCommand) {
      const entries = command.input.Entries ?? [];
      calls.push(entries.map((e) => JSON.parse(e.MessageBody ?? "{}").jobId));
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const e of entries) {
        const a = answer(JSON.parse(e.MessageBody ?? "{}"), calls.length);
        if (a.ok) Successful.push({ Id: e.Id, MessageId: `m-${e.Id}` });
        else Failed.push({ Id: e.Id, Code: a.code, SenderFault: a.senderFault ?? false, Message: "no" });
      }
      return { Successful, Failed };
    },
  } as unknown as SQSClient;
  return { client, calls };
}

describe("prepareReportJob", () => {
  it("fills requestedAt and requestedBy when omitted, keeps them when given", () => {
    const now = new Date("2025-08-03T10:00:00.000Z");
    const { requestedAt: _a, requestedBy: _b, ...draft } = aJob({ jobId: "J1" }) as Record<string, unknown>;

    const filled = prepareReportJob(draft as never, { now: () => now });
    const kept = prepareReportJob(aJob({ requestedBy: "svc", requestedAt: "2025-01-01T00:00:00Z" }));

    expect(filled).toMatchObject({ requestedAt: now.toISOString(), requestedBy: DEFAULT_REQUESTED_BY });
    expect(kept).toMatchObject({ requestedBy: "svc", requestedAt: "2025-01-01T00:00:00Z" });
  });
});

describe("submitReportJobs", () => {
  it("sends nothing when any job is invalid, naming the job and field", async () => {
    const { client, calls } = fakeSqs(() => ({ ok: true }));

    const error = await submitReportJobs(client, "q", [aJob(), aJob({ jobId: "../x" })]).catch((e) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual(["jobs[1].jobId"]);
    expect(calls).toHaveLength(0);
  });

  it("retries server-side failures and reports sender faults per job without retrying them", async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => aJob({ jobId: `J${i}` }));
    const { client, calls } = fakeSqs((body, call) => {
      if (body.jobId === "J3" && call <= 2) return { ok: false, code: "InternalError" };
      if (body.jobId === "J11") return { ok: false, code: "InvalidMessageContents", senderFault: true };
      return { ok: true };
    });

    const result = await submitReportJobs(client, "q", jobs, { baseDelayMs: 1 });

    expect(calls.map((c) => c.length)).toEqual([10, 2, 1]);
    expect(result.sent).toBe(11);
    expect(result.failed).toBe(1);
    expect(result.results[3]).toMatchObject({ status: "sent", attempts: 2 });
    expect(result.results[11]).toMatchObject({
      status: "failed",
      jobId: "J11",
      attempts: 1,
      error: { code: "InvalidMessageContents", senderFault: true },
    });
  });

  it("stops retrying after maxAttempts and reports the job failed", async () => {
    const { client, calls } = fakeSqs((body) => ({ ok: body.jobId !== "J0", code: "ServiceUnavailable" }));

    const result = await submitReportJobs(client, "q", [aJob({ jobId: "J0" }), aJob()], {
      maxAttempts: 3,
      baseDelayMs: 1,
    });

    expect(calls).toHaveLength(3);
    expect(result.results[0]).toMatchObject({
      status: "failed",
      attempts: 3,
      error: { code: "ServiceUnavailable" },
    });
    expect(result.results[1]?.status).toBe("sent");
  });
});
