/** Spooling a report body: small ones stay in memory, larger ones go to a temp file, measured either way. */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeTempFile, spoolReport } from "../../temp-file.js";

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-report-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function* chunks(n: number, size: number, failAfter?: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < n; i++) {
    if (failAfter !== undefined && i === failAfter) throw new Error("warehouse gone part-way");
    yield Buffer.alloc(size, 97 + (i % 26));
  }
}
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const expected = (n: number, size: number) =>
  Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.alloc(size, 97 + (i % 26))));

describe("spoolReport", () => {
  it("keeps a body within the budget in memory, with its size and sha256, and writes no file", async () => {
    const dir = scratch();
    const out = await spoolReport(chunks(10, 100), "job-1", dir, 1000);
    expect("bytes" in out && out.bytes.equals(expected(10, 100))).toBe(true);
    expect(out).toMatchObject({ sizeBytes: 1000, sha256: sha256(expected(10, 100)) });
    expect(existsSync(join(dir, "report-pipeline"))).toBe(false);
  });

  it("spools a body past the budget to a file, byte for byte, with the size and sha256 of all of it", async () => {
    const dir = scratch();
    const out = await spoolReport(chunks(30, 100), "job-2", dir, 1000);
    if (!("path" in out)) throw new Error("expected a spool file");
    const bytes = readFileSync(out.path);
    expect(bytes.equals(expected(30, 100))).toBe(true);
    expect(out).toMatchObject({ sizeBytes: 3000, sha256: sha256(bytes) });
    await removeTempFile(out);
    expect(readdirSync(join(dir, "report-pipeline"))).toEqual([]);
  });

  it("fails, leaving no file, when the body fails after it spilled to the file", async () => {
    const dir = scratch();
    await expect(spoolReport(chunks(30, 100, 20), "job-3", dir, 1000)).rejects.toThrow(/part-way/);
    expect(readdirSync(join(dir, "report-pipeline"))).toEqual([]);
  });

  it("fails when the body fails before the budget is reached", async () => {
    await expect(spoolReport(chunks(10, 10, 3), "job-4", scratch(), 1000)).rejects.toThrow(/part-way/);
  });
});
