/**
 * The statement ledger's own rules, on an in-memory stand-in for S3 (the real bucket is exercised by the
 * e2e snowflake-shutdown.test.ts on LocalStack): only well-formed keys and query ids, and no re-attach to a
 * statement older than Snowflake keeps results.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { REATTACH_WITHIN_MS, S3StatementLedger } from "../../s3-statement-ledger.js";

const KEY = "JOB_1/sales_summary-0123456789abcdef";
const QID = "01234567-89ab-cdef-0123-456789abcdef";

function memoryS3(): S3Client & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  const send = async (command: unknown) => {
    if (command instanceof PutObjectCommand) {
      objects.set(String(command.input.Key), String(command.input.Body));
      return {};
    }
    if (command instanceof GetObjectCommand) {
      const body = objects.get(String(command.input.Key));
      if (body === undefined)
        throw Object.assign(new Error("NoSuchKey"), {
          name: "NoSuchKey",
          $metadata: { httpStatusCode: 404 },
        });
      return { Body: { transformToString: async () => body } };
    }
    throw new Error("unexpected command");
  };
  return Object.assign({ send } as unknown as S3Client, { objects });
}

describe("S3StatementLedger", () => {
  it("gives back a recorded query id within a day, and nothing for a statement older than results live", async () => {
    // Prepare: a clock we move
    let now = Date.parse("2026-12-02T00:00:00Z");
    const s3 = memoryS3();
    const ledger = new S3StatementLedger(s3, "bucket", () => now);
    await ledger.put(KEY, QID);
    // Act / Assess
    expect(await ledger.get(KEY)).toBe(QID);
    expect([...s3.objects.keys()]).toEqual([`_state/worker/statements/${KEY}.json`]);
    now += REATTACH_WITHIN_MS;
    expect(await ledger.get(KEY)).toBe(QID);
    now += 1;
    expect(await ledger.get(KEY)).toBeUndefined();
  });

  it("answers nothing for a missing, malformed or foreign entry and refuses a key that is no resume key", async () => {
    const s3 = memoryS3();
    const ledger = new S3StatementLedger(s3, "bucket");
    s3.objects.set("_state/worker/statements/JOB_2/a-0123456789abcdef.json", "not json");
    s3.objects.set(
      "_state/worker/statements/JOB_3/a-0123456789abcdef.json",
      JSON.stringify({ queryId: "'; DROP", startedAt: new Date().toISOString() }),
    );

    expect(await ledger.get(KEY)).toBeUndefined();
    expect(await ledger.get("JOB_2/a-0123456789abcdef")).toBeUndefined();
    expect(await ledger.get("JOB_3/a-0123456789abcdef")).toBeUndefined();
    expect(await ledger.get("../../reports/x")).toBeUndefined();
    await expect(ledger.put("../../reports/x", QID)).rejects.toThrow(/not a statement resume key/);
  });
});
