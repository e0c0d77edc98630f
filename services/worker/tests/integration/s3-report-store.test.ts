/**
 * The S3 report store on LocalStack: a small report (a file, or bytes held in memory) in one PutObject checked against its sha256, a large
 * one as a multipart upload of ranged reads of the file, first writer wins on both, facts in the metadata.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestTopology, type TestTopology, uniquePrefix } from "../../../../localstack/testing.js";
import { readObject } from "../../../tests/e2e/support.js";
import type { LocalReportFile, ReportContent, StoredReportFacts } from "../../report-store.port.js";
import { S3ReportStore } from "../../s3-report-store.js";

const MiB = 1024 * 1024;
let t: TestTopology;
let store: S3ReportStore;
const dir = mkdtempSync(join(tmpdir(), "s3-report-store-"));

function localFile(name: string, bytes: Buffer): LocalReportFile {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, sizeBytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}

const facts = (file: ReportContent): StoredReportFacts => ({
  sha256: file.sha256,
  sizeBytes: file.sizeBytes,
  rowCount: 42,
  queryIds: ["q-1"],
  summary: { total: 1 },
  generatedAt: "2025-08-03T15:46:08.000Z",
  durationMs: 12,
  format: "parquet",
  contentType: "application/vnd.apache.parquet",
  attempt: 1,
});

beforeAll(async () => {
  t = await createTestTopology();
  store = new S3ReportStore(t.clients.s3, t.provisioned.bucket, { partSize: 5 * MiB });
});
afterAll(async () => {
  await t?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("S3ReportStore.putIfAbsent", () => {
  it("puts a file up to one part in a single request, and a second writer finds it there", async () => {
    const file = localFile("small", randomBytes(300_000));
    const key = `${uniquePrefix("small")}/report.parquet`;

    expect(await store.putIfAbsent(key, file, facts(file))).toBe("created");
    expect(await store.putIfAbsent(key, file, facts(file))).toBe("exists");

    const body = await readObject(t.clients, t.provisioned.bucket, key);
    expect(createHash("sha256").update(body).digest("hex")).toBe(file.sha256);
    expect(await store.head(key)).toEqual({ ...facts(file), sizeBytes: body.length });
  });

  it("uploads a larger file in parts read from the file, byte for byte, first writer wins", async () => {
    const file = localFile("large", randomBytes(12 * MiB + 12_345));
    const key = `${uniquePrefix("large")}/report.parquet`;

    expect(await store.putIfAbsent(key, file, facts(file))).toBe("created");
    expect(await store.putIfAbsent(key, file, facts(file))).toBe("exists");

    const body = await readObject(t.clients, t.provisioned.bucket, key);
    expect(body.length).toBe(file.sizeBytes);
    expect(createHash("sha256").update(body).digest("hex")).toBe(file.sha256);
    expect((await store.head(key))?.rowCount).toBe(42);
  });

  it("puts a report held in memory in a single request, checked against its sha256, first writer wins", async () => {
    const bytes = randomBytes(20_000);
    const report = {
      bytes,
      sizeBytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    };
    const key = `${uniquePrefix("memory")}/report.json`;

    expect(await store.putIfAbsent(key, report, facts(report))).toBe("created");
    expect(await store.putIfAbsent(key, report, facts(report))).toBe("exists");
    expect((await readObject(t.clients, t.provisioned.bucket, key)).equals(bytes)).toBe(true);

    const wrong = { ...report, sha256: createHash("sha256").update("other bytes").digest("hex") };
    const other = `${uniquePrefix("memory-wrong")}/report.json`;
    await expect(store.putIfAbsent(other, wrong, facts(wrong))).rejects.toThrow();
    expect(await store.head(other)).toBeUndefined();
  });

  it("refuses bytes that do not match the sha256 they were measured with", async () => {
    const file = localFile("changed", randomBytes(1000));
    const key = `${uniquePrefix("changed")}/report.parquet`;
    writeFileSync(file.path, randomBytes(1000)); // changed after it was measured

    await expect(store.putIfAbsent(key, file, facts(file))).rejects.toThrow();
    expect(await store.head(key)).toBeUndefined();
  });

  it("refuses a part size below S3's minimum", () => {
    expect(() => new S3ReportStore(t.clients.s3, "b", { partSize: MiB })).toThrow(/partSize/);
  });
});
