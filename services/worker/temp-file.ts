/**
 * Spools a report body to a local temporary file while hashing it, so the upload knows its size and
 * sha256 up front (they travel as object metadata) and memory stays bounded whatever the report's size.
 * A report the warehouse writes itself goes to a path from `tempFilePath` and is measured from the file
 * (`describeFile`).
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { LocalReportFile } from "./report-store.port.js";

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

export async function removeTempFile(file: Pick<LocalReportFile, "path"> | undefined): Promise<void> {
  if (file) await rm(file.path, { force: true });
}
