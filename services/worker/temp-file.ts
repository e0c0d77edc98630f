/**
 * Spools a report body to a local temporary file while hashing it, so the upload knows its size and
 * sha256 up front (they travel as object metadata) and memory stays bounded whatever the report's size.
 * A report the warehouse writes itself goes to a path from `tempFilePath` and is measured from the file
 * (`describeFile`). `spoolReport` keeps a body of at most `IN_MEMORY_MAX_BYTES` in memory instead (most
 * JSON reports are a few KB: no mkdir, open, write, close, read back and rm per job; issue 19) and spills
 * to a file as soon as it grows past that, so memory stays bounded by that size per job in flight.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { InMemoryReport, LocalReportFile } from "./report-store.port.js";

/** Bodies up to this size stay in memory (`spoolReport`); with 4–16 jobs in flight, a few MiB at most. */
export const IN_MEMORY_MAX_BYTES = 256 * 1024;

/**
 * A fresh absolute path for a spool file under `<dir>/report-pipeline/` (the folder is created; the file is
 * not). Absolute because a warehouse may be handed it as a COPY target.
 */
export async function tempFilePath(name: string, dir = tmpdir()): Promise<string> {
  const folder = join(resolve(dir), "report-pipeline");
  await mkdir(folder, { recursive: true });
  return join(folder, `${name}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
}

/** Size and sha256 of a file, read once in 1 MiB chunks. */
export async function describeFile(path: string): Promise<LocalReportFile> {
  const hash = createHash("sha256");
  let sizeBytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    sizeBytes += chunk.length;
  }
  return { path, sizeBytes, sha256: hash.digest("hex") };
}

export async function spoolToTempFile(
  body: AsyncIterable<Uint8Array>,
  name: string,
  dir = tmpdir(),
): Promise<LocalReportFile> {
  const path = await tempFilePath(name, dir);
  const hash = createHash("sha256");
  let sizeBytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.from(body), measure, createWriteStream(path));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return { path, sizeBytes, sha256: hash.digest("hex") };
}

/**
 * A body of at most `memoryMaxBytes` comes back in memory (hashed, no file); a larger one is spooled to a
 * temp file as `spoolToTempFile` does (what was read so far first), and the caller removes that file.
 */
export async function spoolReport(
  body: AsyncIterable<Uint8Array>,
  name: string,
  dir = tmpdir(),
  memoryMaxBytes = IN_MEMORY_MAX_BYTES,
): Promise<InMemoryReport | LocalReportFile> {
  const hash = createHash("sha256");
  const head: Uint8Array[] = [];
  let sizeBytes = 0;
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      return { bytes: Buffer.concat(head, sizeBytes), sizeBytes, sha256: hash.digest("hex") };
    }
    hash.update(next.value);
    head.push(next.value);
    sizeBytes += next.value.length;
    if (sizeBytes > memoryMaxBytes) break;
  }
  // past the budget: what was read goes to the file first, then the rest as it comes
  async function* all(): AsyncGenerator<Uint8Array> {
    try {
      yield* head.splice(0);
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        hash.update(next.value);
        sizeBytes += next.value.length;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  const path = await tempFilePath(name, dir);
  try {
    await pipeline(Readable.from(all()), createWriteStream(path));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return { path, sizeBytes, sha256: hash.digest("hex") };
}

export async function removeTempFile(file: Pick<LocalReportFile, "path"> | undefined): Promise<void> {
  if (file) await rm(file.path, { force: true });
}
