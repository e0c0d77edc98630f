/**
 * `npm run build:events-package`: builds `@report-pipeline/events`, the contract as a package other teams
 * install, from events/ (its entry: events/index.ts): compiled ESM with type declarations, the generated
 * JSON Schemas and AsyncAPI document under `schemas/`, and a package.json of its own whose one dependency
 * is zod. The subpath `@report-pipeline/events/pulumi` is the ReportEventSubscription component
 * (infra/components/), for which @pulumi/pulumi and @pulumi/aws are optional peer dependencies. `--pack` also runs `npm pack` and prints the tarball's path.
 *
 *   npm run build:events-package [-- --out <dir>] [-- --pack]
 *
 * @example
 * ```ts
 * const dir = buildEventsPackage(join(tmp, "pkg"));
 * const tarball = packEventsPackage(dir, tmp); // <tmp>/report-pipeline-events-0.1.0.tgz
 * ```
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GENERATED_DIR } from "#events/generate-docs.js";
import { REPO_ROOT } from "./local-aws.js";

export const EVENTS_PACKAGE_NAME = "@report-pipeline/events";
/** Where `npm run build:events-package` writes the package by default. */
export const EVENTS_PACKAGE_DIR = join(REPO_ROOT, ".local", "packages", "events");
const TSCONFIG = join(REPO_ROOT, "localstack", "tsconfig.events-package.json");
const TSC = join(REPO_ROOT, "node_modules", ".bin", "tsc");

interface RootPackage {
  version: string;
  license: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** The package's own package.json: versions pinned to the ones this repository is tested with. */
export function eventsPackageJson(): Record<string, unknown> {
  const root = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as RootPackage;
  const pin = (name: string) => {
    const version = root.dependencies[name] ?? root.devDependencies[name];
    if (!version) throw new Error(`package.json has no ${name}`);
    return version;
  };
  return {
    name: EVENTS_PACKAGE_NAME,
    version: root.version,
    description:
      "The report pipeline's event contract: types, zod parsers, JSON Schemas, error codes, event patterns, webhook verification",
    type: "module",
    license: root.license,
    exports: {
      ".": { types: "./events/index.d.ts", default: "./events/index.js" },
      "./pulumi": {
        types: "./infra/components/report-event-subscription.d.ts",
        default: "./infra/components/report-event-subscription.js",
      },
      "./schemas/*": "./schemas/*",
      "./package.json": "./package.json",
    },
    // The compiled modules keep the repository's `#events/…` imports; they resolve inside the package.
    imports: { "#events/*": "./events/*" },
    sideEffects: false,
    dependencies: { zod: pin("zod") },
    // Only `@report-pipeline/events/pulumi` (the ReportEventSubscription component) needs these.
    peerDependencies: {
      "@pulumi/pulumi": `^${pin("@pulumi/pulumi")}`,
      "@pulumi/aws": `^${pin("@pulumi/aws")}`,
    },
    peerDependenciesMeta: { "@pulumi/pulumi": { optional: true }, "@pulumi/aws": { optional: true } },
  };
}

/** Builds the package into `outDir` (emptied first) and returns it. */
export function buildEventsPackage(outDir: string = EVENTS_PACKAGE_DIR): string {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const tsc = spawnSync(TSC, ["-p", TSCONFIG, "--outDir", outDir], { stdio: "inherit", cwd: REPO_ROOT });
  if (tsc.status !== 0) throw new Error(`tsc -p ${TSCONFIG} failed (exit ${tsc.status})`);
  cpSync(GENERATED_DIR, join(outDir, "schemas"), { recursive: true });
  writeFileSync(join(outDir, "package.json"), `${JSON.stringify(eventsPackageJson(), null, 2)}\n`);
  writeFileSync(
    join(outDir, "README.md"),
    [
      `# ${EVENTS_PACKAGE_NAME}`,
      "",
      "The report pipeline's event contract, for the teams that subscribe to its events. Built from the",
      "pipeline repository's `events/` (`npm run build:events-package`); see its README, section",
      '"Subscribing from your own repository".',
      "",
      "```ts",
      'import { parseReportEvent, reportEventPattern } from "@report-pipeline/events";',
      "```",
      "",
    ].join("\n"),
  );
  return outDir;
}

/** `npm pack` of a built package into `destination`; returns the tarball's path. */
export function packEventsPackage(packageDir: string, destination: string): string {
  mkdirSync(destination, { recursive: true });
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", destination], {
    cwd: packageDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [packed] = JSON.parse(out) as { filename: string }[];
  if (!packed) throw new Error("npm pack printed no file");
  return join(destination, packed.filename);
}

/**
 * A scratch ESM project named `name` in `dir` with the packed tarball installed from it, as another
 * team's repository would (npm fetches only the package's own dependencies, from its cache or the registry).
 */
export function installIntoScratchProject(dir: string, name: string, tarball: string): void {
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name, version: "1.0.0", private: true, type: "module" }),
  );
  execFileSync(
    "npm",
    [
      "install",
      tarball,
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--ignore-scripts",
      "--loglevel=error",
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
}

/** The compiler options a scratch consumer project type-checks with (ESM, strict), plus `extra`. */
export function scratchCompilerOptions(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: "ES2023",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    types: ["node"],
    typeRoots: [join(REPO_ROOT, "node_modules", "@types")],
    outDir: "out",
    rootDir: "src",
    ...extra,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const args = process.argv.slice(2);
    const outIndex = args.indexOf("--out");
    const outDir = outIndex >= 0 && args[outIndex + 1] ? resolve(args[outIndex + 1] as string) : undefined;
    const dir = buildEventsPackage(outDir);
    console.log(`built ${EVENTS_PACKAGE_NAME} in ${dir}`);
    if (args.includes("--pack")) console.log(packEventsPackage(dir, dir.replace(/[/\\][^/\\]+$/, "")));
  } catch (error) {
    console.error(`build:events-package: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
