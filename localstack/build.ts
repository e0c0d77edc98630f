/**
 * `npm run build`: compiles what is deployed (events/ and services/, tests left out; localstack/tsconfig.build.json)
 * into dist/, and writes dist/package.json, whose `imports` map `#events/*` and `#services/*` to the
 * compiled files. Node resolves a `#…` import through the package.json nearest the importing file, so
 * the sources (run with tsx) resolve to the sources and dist/ resolves to dist/, and
 * `node dist/services/worker/main.js` runs with plain node: no tsx, no flags. `#localstack/*` and
 * `#infra/*` are not mapped there: deployed code cannot reach local tooling.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** Builds into `outDir` (default dist/; the production smoke test builds into its own staging directory). */
export function build(outDir: string = DIST_DIR): void {
  rmSync(outDir, { recursive: true, force: true });
  const tsc = spawnSync(
    join(REPO_ROOT, "node_modules", ".bin", "tsc"),
    ["-p", join(REPO_ROOT, "localstack", "tsconfig.build.json"), "--outDir", outDir],
    { stdio: "inherit", cwd: REPO_ROOT },
  );
  if (tsc.status !== 0) throw new Error(`tsc -p localstack/tsconfig.build.json failed (exit ${tsc.status})`);
  writeFileSync(join(outDir, "package.json"), `${JSON.stringify(distPackageJson(), null, 2)}\n`);
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
