/**
 * Where the SQL lives: `sql/` at the repository root (DDL in `sql/ddl`, one file per report query in
 * `sql/reports`). Found by walking up from this module, so it works from sources (tsx) and from `dist/`;
 * `REPORTS_SQL_DIR` overrides it (e.g. a container that copies `sql/` elsewhere).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

let cachedDir: string | undefined;
const cache = new Map<string, string>();

export function sqlDir(): string {
  if (cachedDir !== undefined) return cachedDir;
  const override = process.env.REPORTS_SQL_DIR;
  if (override !== undefined && override !== "") {
    cachedDir = resolve(override);
    return cachedDir;
  }
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "sql", "reports")) && existsSync(join(dir, "package.json"))) {
      cachedDir = join(dir, "sql");
      return cachedDir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the sql/ directory; set REPORTS_SQL_DIR");
    dir = parent;
  }
}

/** Reads `sql/<relativePath>` once and caches it. */
export function readSql(relativePath: string): string {
  let text = cache.get(relativePath);
  if (text === undefined) {
    text = readFileSync(join(sqlDir(), relativePath), "utf8");
    cache.set(relativePath, text);
  }
  return text;
}
