/**
 * The project's scripts run on the Node.js that `npm ci` installs into node_modules/.bin (the `node`
 * devDependency: the major the container image runs), whatever Node the machine has on PATH. npm puts
 * node_modules/.bin first for `npm run` and `npx`, so `#!/usr/bin/env node` finds it. The guarantee is
 * checked here, where the scripts start, rather than with package.json `engines`, which would make npm
 * warn (EBADENGINE) on every `npx reports …` under the machine's own Node.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The Node major the project runs on: the major of the pinned `node` devDependency. */
export function projectNodeMajor(repoRoot: string): number {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    devDependencies?: Record<string, string>;
  };
  const pinned = pkg.devDependencies?.node ?? "";
  const major = Number(/^(\d+)\./.exec(pinned)?.[1]);
  if (!Number.isInteger(major))
    throw new Error(`package.json devDependencies.node must pin a version, got "${pinned}"`);
  return major;
}

/** Stops a script that is not running on the project's Node, saying how to get it. */
export function assertProjectNode(repoRoot: string, version = process.versions.node): void {
  const want = projectNodeMajor(repoRoot);
  const have = Number(version.split(".")[0]);
  if (have !== want) {
    throw new Error(
      `this script runs on Node ${want} from node_modules/.bin (run it through npm, after npm ci); ` +
        `it was started with Node ${version}`,
    );
  }
}
