/**
 * Python virtual environments for the project's Python-based test servers (LocalStack, fakesnow), built
 * from a pinned lock file into a cache directory outside the repo, keyed by the lock file's hash and the
 * Python version, so a second run reuses it. A venv is used only once its `.installed` marker exists, so a
 * half-finished install is never picked up.
 *
 * Environment: LOCAL_AWS_PYTHON (a Python >= 3.13), LOCAL_AWS_CACHE_DIR (cache root; pip's download
 * cache goes to its `pip/` unless PIP_CACHE_DIR is set).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

const log = (message: string) => console.error(`[python-venv] ${message}`);

function pythonVersionOk(python: string, env: NodeJS.ProcessEnv): string | undefined {
  const out = spawnSync(python, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], {
    env,
    encoding: "utf8",
  });
  if (out.status !== 0) return undefined;
  const version = out.stdout.trim();
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major === 3 && minor >= 13 ? version : undefined;
}

/** Finds a Python >= 3.13: LOCAL_AWS_PYTHON, pyenv's newest 3.13+, python3.13 on PATH, or python3. */
export function findPython(): { python: string; env: NodeJS.ProcessEnv; version: string } {
  const candidates: Array<{ python: string; env: NodeJS.ProcessEnv }> = [];
  if (process.env.LOCAL_AWS_PYTHON)
    candidates.push({ python: process.env.LOCAL_AWS_PYTHON, env: process.env });
  const pyenv = spawnSync("pyenv", ["versions", "--bare"], { encoding: "utf8" });
  if (pyenv.status === 0) {
    const newest = pyenv.stdout
      .split("\n")
      .map((s) => s.trim())
      .filter((v) => /^3\.(1[3-9])\.\d+$/.test(v))
      .sort()
      .at(-1);
    if (newest) candidates.push({ python: "python", env: { ...process.env, PYENV_VERSION: newest } });
  }
  candidates.push({ python: "python3.13", env: process.env }, { python: "python3", env: process.env });
  for (const c of candidates) {
    const version = pythonVersionOk(c.python, c.env);
    if (version) return { ...c, version };
  }
  throw new Error(
    "no Python >= 3.13 found (tried LOCAL_AWS_PYTHON, pyenv 3.13+, python3.13, python3). " +
      "Install one or point LOCAL_AWS_PYTHON at it.",
  );
}

export function cacheRoot(): string {
  return (
    process.env.LOCAL_AWS_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "report-pipeline")
  );
}

export interface VenvSpec {
  /** Name of the venv directory (the hash of lock file and Python version is appended). */
  name: string;
  /** A pip requirements file with every package pinned. */
  lockFile: string;
  /** Where the install log goes. */
  logDir: string;
}

/** Returns the venv's python, creating the venv and installing the lock file into it first if missing. */
export function ensurePythonVenv(spec: VenvSpec): string {
  const lock = readFileSync(spec.lockFile);
  const py = findPython();
  const key = createHash("sha256").update(lock).update(py.version).digest("hex").slice(0, 12);
  const venv = join(cacheRoot(), `${spec.name}-py${py.version}-${key}`);
  const marker = join(venv, ".installed");
  const venvPython = join(venv, "bin", "python");
  if (existsSync(marker)) return venvPython;

  log(`installing ${spec.name} into ${venv} (once; takes about a minute)`);
  const started = Date.now();
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(dirname(venv), { recursive: true });
  mkdirSync(spec.logDir, { recursive: true });
  const installLog = join(spec.logDir, `${spec.name}-install.log`);
  const steps: Array<[string, string[], NodeJS.ProcessEnv]> = [
    [py.python, ["-m", "venv", venv], py.env],
    [
      venvPython,
      ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r", spec.lockFile],
      // pip's download cache beside the venvs, not in ~/.cache/pip: nothing outside the cache root
      { ...process.env, PIP_CACHE_DIR: process.env.PIP_CACHE_DIR ?? join(cacheRoot(), "pip") },
    ],
  ];
  for (const [cmd, args, env] of steps) {
    const fd = openSync(installLog, "a");
    const out = spawnSync(cmd, args, { env, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    if (out.status !== 0) {
      rmSync(venv, { recursive: true, force: true });
      throw new Error(`venv install step failed: ${cmd} ${args.join(" ")} (see ${installLog})`);
    }
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  log(`installed ${spec.name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return venvPython;
}
