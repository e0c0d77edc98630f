/**
 * Host-mode LocalStack launcher (no Docker engine needed).
 *
 *   npm run local:up      install the pinned venv if missing, start LocalStack on 127.0.0.1:4566, wait for health
 *   npm run local:down    stop exactly the process `up` started (by its pid file)
 *   npm run local:status  say whether the endpoint is healthy and who started it
 *
 * The venv lives outside the repo in a cache dir keyed by the lock file's hash and the Python version
 * (`$XDG_CACHE_HOME/report-pipeline/` or `~/.cache/report-pipeline/`), so repeated runs are fast. Runtime
 * files (pid, log, state) live in `.local/` at the repo root; the log is `.local/localstack.log`.
 *
 * Everything LocalStack writes stays in `.local/localstack-state/`, made empty at every start: these
 * machines are containers, so LocalStack would take itself to be in its own image and use
 * `/var/lib/localstack` and `/tmp/localstack` (its `Directories.for_container()`), where a certificate or
 * cache left by an earlier run outlives the checkout and hides a broken first start. `OVERRIDE_IN_DOCKER=0`
 * is LocalStack's own switch for that check; in host mode its directories (`Directories.for_host()`) all
 * sit under `FILESYSTEM_ROOT`, `CONFIG_DIR` moves the folder it would keep in `$HOME`, its plugin
 * loader's index goes to the venv (`XDG_CACHE_HOME`), and its S3 object store, a fixed
 * `/tmp/localstack-s3-storage` in LocalStack, is moved by `localstack_runtime.py`.
 *
 * Environment: LOCAL_AWS_PORT (default 4566), LOCAL_AWS_PYTHON (a Python >= 3.13 to build the venv with),
 * LOCAL_AWS_CACHE_DIR (venv cache root), LOCAL_AWS_START_TIMEOUT_MS (default 90000), LOCAL_AWS_REQUIRE_FRESH=1
 * (CI: refuse to reuse a LocalStack that is already running; every run starts one from empty state).
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePythonVenv } from "./python-venv.js";
import { logOffset, waitUntilHealthy } from "./server-process.js";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LOCK_FILE = join(REPO_ROOT, "localstack", "requirements.lock.txt");
const RUN_DIR = join(REPO_ROOT, ".local");
export const LOG_FILE = join(RUN_DIR, "localstack.log");
const PID_FILE = join(RUN_DIR, "localstack.pid");
/** Everything the LocalStack process writes (its filesystem root, config and temp dirs). */
export const STATE_DIR = join(RUN_DIR, "localstack-state");
const LOCALSTACK_VERSION = "4.14.0";
/** LocalStack's runtime main, with its S3 store under the state directory (see the script). */
const RUNTIME_SCRIPT = join(REPO_ROOT, "localstack", "localstack_runtime.py");

/** The services our pipeline uses; everything else stays off so start-up is quick. */
export const LOCAL_SERVICES = [
  "sqs",
  "s3",
  "events",
  "sns",
  "logs",
  "secretsmanager",
  "sts",
  "iam",
  "scheduler",
  "apigateway",
];

export function localPort(): number {
  const raw = process.env.LOCAL_AWS_PORT ?? "4566";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`LOCAL_AWS_PORT must be a TCP port number, got "${raw}"`);
  }
  return port;
}

export function localEndpoint(): string {
  return `http://127.0.0.1:${localPort()}`;
}

/** The environment a process needs to talk to the local AWS (dummy credentials; LocalStack ignores them). */
export function localAwsEnv(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: localEndpoint(),
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
  };
}

const log = (message: string) => console.error(`[local-aws] ${message}`);

export async function isHealthy(endpoint = localEndpoint()): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { services?: Record<string, string> };
    return ["sqs", "s3", "events"].every((s) => ["available", "running"].includes(body.services?.[s] ?? ""));
  } catch {
    return false;
  }
}

/**
 * The environment LocalStack runs with: loopback only, our services only, and every directory it uses
 * under `stateDir` (see the header).
 */
export function localStackEnv(stateDir = STATE_DIR): Record<string, string> {
  const port = localPort();
  return {
    GATEWAY_LISTEN: `127.0.0.1:${port}`,
    LOCALSTACK_HOST: `127.0.0.1:${port}`,
    DNS_ADDRESS: "0",
    SKIP_SSL_CERT_DOWNLOAD: "1",
    SERVICES: LOCAL_SERVICES.join(","),
    EAGER_SERVICE_LOADING: "1",
    SQS_ENDPOINT_STRATEGY: "off",
    DISABLE_EVENTS: "1",
    OVERRIDE_IN_DOCKER: "0",
    FILESYSTEM_ROOT: join(stateDir, "fs"),
    CONFIG_DIR: join(stateDir, "config"),
    TMPDIR: join(stateDir, "tmp"),
    // read by localstack_runtime.py: S3 object data, which LocalStack keeps in a fixed /tmp path
    REPORT_PIPELINE_S3_STORAGE_DIR: join(stateDir, "s3-storage"),
  };
}

/** Returns the venv's python, installing the pinned LocalStack into it first if missing. */
export function ensureVenv(): string {
  return ensurePythonVenv({ name: `localstack-${LOCALSTACK_VERSION}`, lockFile: LOCK_FILE, logDir: RUN_DIR });
}

/**
 * Where LocalStack writes when it is not told otherwise: its container layout, its host-mode default
 * config folder, and its plugin loader's cache. After a run, none of these may have changed.
 */
export function defaultStateLocations(): string[] {
  const home = homedir();
  return [
    "/var/lib/localstack",
    "/tmp/localstack",
    "/tmp/localstack-s3-storage",
    join(tmpdir(), "localstack"),
    "/usr/lib/localstack",
    "/etc/localstack",
    join(home, ".localstack"),
    join(home, ".cache", "localstack"),
    join(home, ".cache", "plux"),
  ];
}

/** Paths under `locations` created or modified at or after `sinceMs` (a bounded walk; symlinks not followed). */
export function writtenSince(sinceMs: number, locations = defaultStateLocations()): string[] {
  const found: string[] = [];
  let budget = 5000;
  const visit = (path: string, depth: number) => {
    if (budget-- <= 0 || found.length >= 20) return;
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(path);
    } catch {
      return;
    }
    if (Math.max(stat.mtimeMs, stat.ctimeMs) >= sinceMs) found.push(path);
    if (!stat.isDirectory() || depth >= 6) return;
    let entries: string[] = [];
    try {
      entries = readdirSync(path);
    } catch {
      return;
    }
    for (const entry of entries) visit(join(path, entry), depth + 1);
  };
  for (const location of new Set(locations)) visit(location, 0);
  return found;
}

/** The pid of the LocalStack this checkout started, while it runs (undefined otherwise). */
export function launchedPid(): number | undefined {
  const pid = readPid();
  return pid && isOurProcess(pid) ? pid : undefined;
}

function readPid(): number | undefined {
  if (!existsSync(PID_FILE)) return undefined;
  const pid = Number(readFileSync(PID_FILE, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether a /proc cmdline is a host-mode LocalStack (our launcher's runtime script, or LocalStack's own). */
export function isLocalStackCmdline(cmdline: string): boolean {
  return cmdline.includes("localstack_runtime.py") || cmdline.includes("localstack.runtime.main");
}

/** True if `pid` is alive and is our LocalStack (guards against a recycled pid). */
function isOurProcess(pid: number): boolean {
  try {
    return isLocalStackCmdline(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return false;
  }
}

async function waitFor(predicate: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 250) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return false;
}

export interface UpResult {
  endpoint: string;
  /** True if this call started LocalStack (false: it was already up). */
  started: boolean;
}

export async function up(): Promise<UpResult> {
  const endpoint = localEndpoint();
  if (await isHealthy(endpoint)) {
    if (process.env.LOCAL_AWS_REQUIRE_FRESH === "1") {
      throw new Error(
        `LOCAL_AWS_REQUIRE_FRESH=1 (CI) wants a LocalStack started from empty state, but ${endpoint} already answers; stop it first`,
      );
    }
    const pid = launchedPid();
    log(`already up at ${endpoint}${pid ? ` (pid ${pid})` : " (started elsewhere)"}`);
    return { endpoint, started: false };
  }
  const stale = readPid();
  if (stale && isOurProcess(stale)) {
    throw new Error(
      `LocalStack pid ${stale} is running but ${endpoint} is not healthy; see ${LOG_FILE} or run npm run local:down`,
    );
  }
  const python = ensureVenv();
  // a state directory of its own per start: nothing an earlier run left (a certificate, a cache) can
  // make this one pass, and nothing this one writes outlives the checkout
  rmSync(STATE_DIR, { recursive: true, force: true });
  // plux (LocalStack's plugin loader) keeps an entry-point index in $XDG_CACHE_HOME, else ~/.cache/plux:
  // keep it with the venv it indexes
  const env: Record<string, string> = {
    ...localStackEnv(),
    XDG_CACHE_HOME: join(dirname(dirname(python)), "cache"),
  };
  for (const name of ["FILESYSTEM_ROOT", "CONFIG_DIR", "TMPDIR"])
    mkdirSync(env[name] ?? "", { recursive: true });
  const logFrom = logOffset(LOG_FILE);
  const logFd = openSync(LOG_FILE, "a");
  const child: ChildProcess = spawn(python, [RUNTIME_SCRIPT], {
    cwd: STATE_DIR,
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, ...env },
  });
  closeSync(logFd);
  if (!child.pid) throw new Error(`could not start LocalStack (see ${LOG_FILE})`);
  writeFileSync(PID_FILE, `${child.pid}\n`);
  const timeoutMs = Number(process.env.LOCAL_AWS_START_TIMEOUT_MS ?? 90_000);
  try {
    await waitUntilHealthy({
      name: `LocalStack (${endpoint})`,
      child,
      healthy: () => isHealthy(endpoint),
      timeoutMs,
      logFile: LOG_FILE,
      logFrom,
    });
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) await down();
    else rmSync(PID_FILE, { force: true });
    throw error;
  } finally {
    child.unref();
  }
  log(`up at ${endpoint} (pid ${child.pid}, log ${LOG_FILE})`);
  return { endpoint, started: true };
}

/**
 * The local AWS for one run of a tool (the test runner, the fault suite): `up()` brings it up if needed,
 * `stop()` stops it only if this run started it, and Ctrl-C / SIGTERM stop it too before exiting.
 */
export function localAwsForRun(): { up(): Promise<UpResult>; stop(): Promise<void> } {
  let started = false;
  const stop = async () => {
    if (started) await down();
    started = false;
  };
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  process.once("SIGTERM", () => void stop().then(() => process.exit(143)));
  return {
    async up() {
      const result = await up();
      started = result.started;
      return result;
    },
    stop,
  };
}

export async function down(): Promise<void> {
  const pid = readPid();
  if (!pid || !isOurProcess(pid)) {
    rmSync(PID_FILE, { force: true });
    log("no LocalStack started by this checkout is running");
    return;
  }
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // the whole process group: LocalStack may have children
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal("SIGTERM");
  const stopped = await waitFor(() => !isOurProcess(pid), 20_000);
  if (!stopped) {
    log(`pid ${pid} ignored SIGTERM for 20 s; sending SIGKILL`);
    signal("SIGKILL");
    await waitFor(() => !isOurProcess(pid), 5_000);
  }
  rmSync(PID_FILE, { force: true });
  log(`stopped pid ${pid}`);
}

async function main(command: string | undefined) {
  switch (command) {
    case "up": {
      const { endpoint } = await up();
      console.log(endpoint);
      return;
    }
    case "down":
      await down();
      return;
    case "status": {
      const healthy = await isHealthy();
      console.log(
        JSON.stringify({
          endpoint: localEndpoint(),
          healthy,
          pid: launchedPid() ?? null,
          log: LOG_FILE,
        }),
      );
      process.exitCode = healthy ? 0 : 1;
      return;
    }
    case "install":
      console.log(ensureVenv());
      return;
    default:
      throw new Error(`usage: local-aws.ts up|down|status|install (got "${command ?? ""}")`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv[2]).catch((error: Error) => {
    log(error.message);
    process.exitCode = 1;
  });
}
