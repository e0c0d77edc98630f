/**
 * CONVENTIONS §2: the report domain imports no AWS SDK and no driver. Every file under services/reports is
 * scanned for direct imports of @aws-sdk/*, @duckdb/* and snowflake-sdk; domain files (not tests, not
 * benchmarks) may not import warehouse adapters either, so drivers cannot come in transitively.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPORTS_DIR = fileURLToPath(new URL("../../", import.meta.url));
const FORBIDDEN_PACKAGES = /^(@aws-sdk\/|@duckdb\/|snowflake-sdk(\/|$))/;
const ADAPTERS = /(^#services\/warehouse\/|\/warehouse\/(?!.*\.port\.js))/;
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s*["']([^"']+)["']|require\(\s*["']([^"']+)["']\s*\)/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : tsFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? "");
}

describe("report domain dependency rule", () => {
  it("finds imports in all their forms (so the rule cannot pass vacuously)", () => {
    // assembled at run time so this file does not itself contain the imports it describes
    const q = '"';
    const sample = [
      `import { S3Client } from ${q}@aws-sdk/client-s3${q};`,
      `import type { X } from '@duckdb${"/"}node-api';`,
      `const s = await import(${q}snowflake-sdk${q});`,
      `import ${q}./side-effect.js${q};`,
    ].join("\n");
    expect(importsOf(sample)).toEqual([
      "@aws-sdk/client-s3",
      "@duckdb/node-api",
      "snowflake-sdk",
      "./side-effect.js",
    ]);
    expect(importsOf(sample).filter((i) => FORBIDDEN_PACKAGES.test(i))).toHaveLength(3);
  });

  it("no file in services/reports imports an AWS SDK or a warehouse driver", () => {
    const files = tsFiles(REPORTS_DIR);
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.flatMap((file) =>
      importsOf(readFileSync(file, "utf8"))
        .filter((spec) => FORBIDDEN_PACKAGES.test(spec))
        .map((spec) => `${relative(REPORTS_DIR, file)} -> ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it("domain files do not import warehouse adapters", () => {
    const domain = tsFiles(REPORTS_DIR).filter((f) => !/^(tests|bench)[/\\]/.test(relative(REPORTS_DIR, f)));
    const offenders = domain.flatMap((file) =>
      importsOf(readFileSync(file, "utf8"))
        .filter((spec) => ADAPTERS.test(spec))
        .map((spec) => `${relative(REPORTS_DIR, file)} -> ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
