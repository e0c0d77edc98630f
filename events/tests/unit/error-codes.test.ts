/**
 * The error-code catalogue is complete: every code the sources raise (an error class's `code`, a
 * `code: "…"` given to an error or an event, an HTTP error answer) is listed in events/error-codes.ts with
 * its meaning, and the AsyncAPI document lists them all.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../error-codes.js";
import { asyncApiDocument } from "../../generate-docs.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** Where a code is raised: an error class field, an options/event field, a fallback, an HTTP answer. */
const RAISED = [
  /readonly code(?::\s*string)?\s*=\s*"([A-Z][A-Z0-9_]+)"/g,
  /\bcode:\s*"([A-Z][A-Z0-9_]+)"/g,
  /\bcode\s*\?\?\s*"([A-Z][A-Z0-9_]+)"/g,
  /new HttpError\(\s*\d+,\s*"([A-Z][A-Z0-9_]+)"/g,
];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return ["node_modules", "tests", "generated"].includes(e.name) ? [] : sources(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

function raisedCodes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of [...sources("events"), ...sources("services"), ...sources("localstack/faults")]) {
    const text = readFileSync(join(ROOT, file), "utf8");
    for (const re of RAISED) for (const m of text.matchAll(re)) if (m[1]) found.set(m[1], file);
  }
  return found;
}

describe("error-code catalogue", () => {
  it("lists every code the sources raise", () => {
    const raised = raisedCodes();
    expect(raised.size).toBeGreaterThan(30);
    const missing = [...raised].filter(([code]) => !(code in ERROR_CODES)).map(([c, f]) => `${c} (${f})`);
    expect(missing).toEqual([]);
  });

  it("gives each code a meaning", () => {
    for (const [code, info] of Object.entries(ERROR_CODES))
      expect(info.meaning.length, code).toBeGreaterThan(10);
  });

  it("is listed in the AsyncAPI document with meaning and retryable", () => {
    const doc = asyncApiDocument() as {
      components: { schemas: { ErrorCode: { enum: string[]; "x-error-codes": Record<string, unknown> } } };
    };
    const schema = doc.components.schemas.ErrorCode;
    expect(schema.enum).toEqual(Object.keys(ERROR_CODES));
    expect(schema["x-error-codes"]).toEqual(ERROR_CODES);
  });
});
