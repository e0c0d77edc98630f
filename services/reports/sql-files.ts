/**
 * Where the SQL lives: `sql/` beside the package's package.json (DDL in `sql/ddl`, one file per report
 * query in `sql/reports`). Found by walking up from this module, so it works from sources (tsx), from
 * `dist/` and in the image (which copies `sql/` and package.json to /app). Not configurable: the SQL is
 * part of the release, not of the environment.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "#services/shared/config.js";

let cachedDir: string | undefined;
const cache = new Map<string, string>();

export function sqlDir(): string {
  if (cachedDir !== undefined) return cachedDir;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, "sql", "reports")) && existsSync(join(dir, "package.json"))) {
      cachedDir = join(dir, "sql");
      return cachedDir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new ConfigError(
        `no sql/reports/ beside a package.json above ${start}: the package is incomplete`,
      );
    }
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
