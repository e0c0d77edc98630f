/**
 * The repo-wide layering rule (CONVENTIONS §2), read from the import statements of every source file:
 *
 *   1. nothing deployed (under services/, tests aside) imports local tooling (localstack/);
 *   2. no domain file imports an AWS SDK or a warehouse driver, nor a warehouse adapter (so a driver
 *      cannot come in transitively);
 *   3. no process imports another process's folder, and no shared area (plumbing, the consumer host, the
 *      domain, adapters, status) imports a process's folder.
 *
 * KNOWN lists the violations that remain, each with the issue that removes it; the test fails on any
 * violation not listed AND on a listed one that is gone, so the list can only shrink and says what is left.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s*["']([^"']+)["']|require\(\s*["']([^"']+)["']\s*\)/g;
const ALIASES: Record<string, string> = {
  "#events/": "events/",
  "#services/": "services/",
  "#localstack/": "localstack/",
  "#infra/": "infra/",
};
const DRIVERS = /^(@aws-sdk\/|@duckdb\/|snowflake-sdk(\/|$))/;
/**
 * Domain areas: no SDK, no driver. The report domain, the consumers' decisions and job status / replay;
 * each talks to its storage through a port (`*.port.ts`, `notifier-ports.ts`) whose adapters are named
 * after their technology (`s3-*.ts`, `sns-*.ts`) and sit outside this list.
 */
const DOMAIN = [
  "services/reports/",
  "services/auditor/auditor.ts",
  "services/organizer/organizer.ts",
  "services/notifier/notifier.ts",
  "services/status/audit-trail.ts",
  "services/status/job-status.ts",
  "services/status/replay.ts",
  "services/status/status-fold.ts",
];
/** One folder per deployed process. */
const PROCESSES = ["worker", "intake", "organizer", "notifier", "auditor", "cli"];
/** Shared areas, which processes import and which import no process. */
const SHARED = ["shared", "consumers", "reports", "warehouse", "status"];

/** Violations still to be removed (see the file comment); each is "<file> -> <import>". */
const KNOWN = new Set<string>([]);

function importsOf(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? "");
}

/** The repo-relative path an import points at, or the bare package name. */
function target(fromFile: string, spec: string): string {
  for (const [alias, dir] of Object.entries(ALIASES))
    if (spec.startsWith(alias)) return dir + spec.slice(alias.length);
  if (spec.startsWith(".")) return relative(ROOT, resolve(dirname(join(ROOT, fromFile)), spec));
  return spec;
}

const isTest = (file: string) => /(^|\/)tests\//.test(file);
const areaOf = (path: string, areas: string[]) => {
  const m = /^services\/([^/]+)\//.exec(path);
  return m && areas.includes(m[1] ?? "") ? m[1] : undefined;
};

/** Every rule broken by one import of one file, as "<file> -> <import> (<rule>)". */
function violations(file: string, spec: string): string[] {
  if (isTest(file) || !file.startsWith("services/")) return [];
  const to = target(file, spec);
  const out: string[] = [];
  if (to.startsWith("localstack/")) out.push("deployed code imports local tooling");
  if (DOMAIN.some((d) => file.startsWith(d))) {
    if (DRIVERS.test(to)) out.push("domain imports an AWS SDK or driver");
    if (to.startsWith("services/warehouse/")) out.push("domain imports a warehouse adapter");
  }
  const from = areaOf(file, PROCESSES);
  const into = areaOf(to, PROCESSES);
  if (from && into && from !== into) out.push(`process ${from} imports process ${into}`);
  const shared = areaOf(file, SHARED);
  if (shared && into) out.push(`shared ${shared} imports process ${into}`);
  return out.map((rule) => `${file} -> ${spec} (${rule})`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory())
      return ["node_modules", "dist", "generated"].includes(entry.name) ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

describe("layering rule", () => {
  it("reads imports in all their forms and flags each kind of forbidden import", () => {
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

    expect(violations("services/worker/main.ts", "../../localstack/testing.js")).toHaveLength(1);
    expect(violations("services/worker/main.ts", "#localstack/local-aws.js")).toHaveLength(1);
    expect(violations("services/reports/render.ts", "@aws-sdk/client-s3")).toHaveLength(1);
    expect(violations("services/reports/render.ts", "#services/warehouse/duckdb-warehouse.js")).toHaveLength(
      1,
    );
    expect(violations("services/organizer/organizer.ts", "../notifier/notifier.js")).toHaveLength(1);
    expect(
      violations("services/consumers/run-consumers.ts", "#services/organizer/organizer.js"),
    ).toHaveLength(1);
    expect(violations("services/organizer/organizer.ts", "#services/consumers/event-consumer.js")).toEqual(
      [],
    );
    expect(violations("services/organizer/main.ts", "#services/shared/logger.js")).toEqual([]);
    expect(violations("services/worker/tests/unit/x.test.ts", "../../../../localstack/testing.js")).toEqual(
      [],
    );
  });

  it("holds for every source file under services/, except the violations still listed as known", () => {
    const files = sourceFiles("services");
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) =>
      importsOf(readFileSync(join(ROOT, file), "utf8")).flatMap((spec) => violations(file, spec)),
    );
    const unknown = found.filter((v) => !KNOWN.has(v));
    const gone = [...KNOWN].filter((v) => !found.includes(v));
    expect({ unknown, gone }).toEqual({ unknown: [], gone: [] });
  });
});
