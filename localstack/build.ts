/**
 * `npm run build`: compiles what is deployed (events/ and services/, tests left out; localstack/tsconfig.build.json)
 * into dist/, and writes dist/package.json, whose `imports` map `#events/*` and `#services/*` to the
 * compiled files. Node resolves a `#…` import through the package.json nearest the importing file, so
 * the sources (run with tsx) resolve to the sources and dist/ resolves to dist/, and
 * `node dist/services/worker/main.js` runs with plain node: no tsx, no flags. `#localstack/*` and
 * `#infra/*` are not mapped there: deployed code cannot reach local tooling.
 */
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./local-aws.js";

export const DIST_DIR = join(REPO_ROOT, "dist");
/** The aliases the deployed code uses; each maps to the same folder under dist/. */
export const DEPLOYED_ALIASES = ["#events/*", "#services/*"];

export function distPackageJson(): Record<string, unknown> {
  const root = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
    name: string;
    version: string;
    imports: Record<string, string>;
  };
  const imports = Object.fromEntries(
    DEPLOYED_ALIASES.map((alias) => {
      const target = root.imports[alias];
      if (!target) throw new Error(`package.json imports has no ${alias}`);
      return [alias, target];
    }),
  );
  return { name: `${root.name}-dist`, version: root.version, private: true, type: "module", imports };
}

const tscArgs = (outDir: string) => [
  "-p",
  join(REPO_ROOT, "localstack", "tsconfig.build.json"),
  "--outDir",
  outDir,
];
const TSC = join(REPO_ROOT, "node_modules", ".bin", "tsc");

/** Builds into `outDir` (default dist/; the production smoke test builds into its own staging directory). */
export function build(outDir: string = DIST_DIR): void {
  rmSync(outDir, { recursive: true, force: true });
  const tsc = spawnSync(TSC, tscArgs(outDir), { stdio: "inherit", cwd: REPO_ROOT });
  finish(outDir, tsc.status);
}

function finish(outDir: string, status: number | null): void {
  if (status !== 0) throw new Error(`tsc -p localstack/tsconfig.build.json failed (exit ${status})`);
  // Written last: its mtime is when the build finished (see distIsFresh).
  writeFileSync(join(outDir, "package.json"), `${JSON.stringify(distPackageJson(), null, 2)}\n`);
}

/** The newest modification time (ms) of what the build reads: events/, services/ (tests aside), the configs. */
function newestInputMtime(): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "tests" || entry.name === "node_modules") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  visit(join(REPO_ROOT, "events"));
  visit(join(REPO_ROOT, "services"));
  for (const f of ["package.json", "package-lock.json", "tsconfig.json", "localstack/tsconfig.build.json"])
    newest = Math.max(newest, statSync(join(REPO_ROOT, f)).mtimeMs);
  return newest;
}

/** True when dist/ was built after the last change to anything it is built from. */
export function distIsFresh(outDir: string = DIST_DIR): boolean {
  try {
    return statSync(join(outDir, "package.json")).mtimeMs >= newestInputMtime();
  } catch {
    return false;
  }
}

/**
 * Builds dist/ unless it is fresh, without blocking the event loop (`npm start` builds while LocalStack
 * starts). Resolves with whether it built; tsc's output goes to stderr.
 */
export async function buildIfStale(outDir: string = DIST_DIR): Promise<boolean> {
  if (distIsFresh(outDir)) return false;
  rmSync(outDir, { recursive: true, force: true });
  const status = await new Promise<number | null>((resolve, reject) => {
    const tsc = spawn(TSC, tscArgs(outDir), {
      stdio: ["ignore", process.stderr, process.stderr],
      cwd: REPO_ROOT,
    });
    tsc.on("error", reject);
    tsc.on("exit", resolve);
  });
  finish(outDir, status);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    build();
    console.log(`built ${DIST_DIR} (entry points: node dist/services/<process>/main.js)`);
  } catch (error) {
    console.error(`build: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
