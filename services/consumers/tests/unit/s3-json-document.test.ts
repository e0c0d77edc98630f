/**
 * Read-modify-write of JSON documents: `updateJson`'s optimistic concurrency and `JsonDocumentUpdates`,
 * which lets one process's concurrent changes of a document share one write. The S3 here is an in-memory
 * double of GetObject / PutObject with ETags and If-Match / If-None-Match (this file tests our logic; the
 * real conditional writes are exercised on LocalStack by the organizer's and the e2e tests).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { JsonDocumentUpdates, updateJson } from "#services/consumers/s3-json-document.js";

interface Stored {
  body: string;
  etag: string;
}

function memoryS3(options: { failPuts?: number } = {}) {
  const objects = new Map<string, Stored>();
  let version = 0;
  let failPuts = options.failPuts ?? 0;
  const calls = { get: 0, put: 0, conflicts: 0 };
  const fail = (name: string, status: number) =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  const send = async (command: unknown) => {
    await new Promise((r) => setTimeout(r, 1)); // a round trip: lets concurrent callers interleave
    if (command instanceof GetObjectCommand) {
      calls.get++;
      const found = objects.get(String(command.input.Key));
      if (!found) throw fail("NoSuchKey", 404);
      return { ETag: found.etag, Body: { transformToString: async () => found.body } };
    }
    if (command instanceof PutObjectCommand) {
      calls.put++;
      if (failPuts > 0) {
        failPuts--;
        throw fail("InternalError", 500);
      }
      const key = String(command.input.Key);
      const current = objects.get(key);
      const { IfMatch, IfNoneMatch } = command.input;
      if ((IfNoneMatch === "*" && current) || (IfMatch !== undefined && current?.etag !== IfMatch)) {
        calls.conflicts++;
        throw fail("PreconditionFailed", 412);
      }
      objects.set(key, { body: String(command.input.Body), etag: `"v${++version}"` });
      return {};
    }
    throw new Error("unexpected command");
  };
  return {
    s3: { send } as unknown as S3Client,
    calls,
    read: (key: string) => JSON.parse(objects.get(key)?.body ?? "null") as unknown,
  };
}

const append = (n: number) => (current: number[] | undefined) =>
  current?.includes(n) ? undefined : [...(current ?? []), n];

describe("updateJson", () => {
  it("loses no concurrent change: a conflicting write reads again and reapplies", async () => {
    const m = memoryS3();
    await Promise.all(Array.from({ length: 8 }, (_, i) => updateJson(m.s3, "b", "doc.json", append(i))));
    expect((m.read("doc.json") as number[]).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(m.calls.conflicts).toBeGreaterThan(0);
  });

  it("writes nothing when the change leaves the document as it is", async () => {
    const m = memoryS3();
    await updateJson(m.s3, "b", "doc.json", append(1));
    const { changed } = await updateJson(m.s3, "b", "doc.json", append(1));
    expect(changed).toBe(false);
    expect(m.calls.put).toBe(1);
  });
});

describe("JsonDocumentUpdates", () => {
  it("puts the changes that arrive during a write into the next one, and loses none", async () => {
    const m = memoryS3();
    const documents = new JsonDocumentUpdates(m.s3);
    await Promise.all(Array.from({ length: 8 }, (_, i) => documents.update("b", "doc.json", append(i))));
    expect(m.read("doc.json")).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // the first change is written alone, the seven that queued behind it together: no conflicts
    expect(m.calls.put).toBe(2);
    expect(m.calls.conflicts).toBe(0);
  });

  it("keeps documents apart, and still resolves conflicts with writers outside the process", async () => {
    const m = memoryS3();
    const documents = new JsonDocumentUpdates(m.s3);
    await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => documents.update("b", "a.json", append(i))),
      ...Array.from({ length: 4 }, (_, i) => documents.update("b", "b.json", append(10 + i))),
      // another process writing a.json meanwhile
      ...Array.from({ length: 4 }, (_, i) => updateJson(m.s3, "b", "a.json", append(100 + i))),
    ]);
    expect((m.read("a.json") as number[]).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 100, 101, 102, 103]);
    expect(m.read("b.json")).toEqual([10, 11, 12, 13]);
  });

  it("fails every change of a failed write, and the next changes still go through", async () => {
    const m = memoryS3({ failPuts: 1 });
    const documents = new JsonDocumentUpdates(m.s3);
    const first = documents.update("b", "doc.json", append(1));
    await expect(first).rejects.toThrow(/InternalError/);
    await documents.update("b", "doc.json", append(2));
    expect(m.read("doc.json")).toEqual([2]);
  });
});
