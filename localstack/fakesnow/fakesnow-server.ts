/**
 * Starts a private fakesnow server (Snowflake's HTTP protocol over an embedded DuckDB) for the Snowflake
 * adapter's integration tests: the pinned venv is built once into the cache (ensurePythonVenv, from
 * `requirements.lock.txt`), the server runs detached on a free 127.0.0.1 port with its pid in a pid file,
 * and `stop()` ends exactly that process group. Nothing depends on a server left from an earlier run.
 *
 * It runs `node_compat_server.py`, a thin wrapper that re-encodes fakesnow's Arrow results as Snowflake's
 * JSON rowset — see that file for why stock fakesnow 0.12.1 does not satisfy snowflake-sdk.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "../local-aws.js";
import { ensurePythonVenv } from "../python-venv.js";
import { freePort, logOffset, waitUntilHealthy } from "../server-process.js";

const HERE = dirname(fileURLToPath(import.meta.url));

const RUN_DIR = join(REPO_ROOT, ".local");
const FAKESNOW_VERSION = "0.12.1";

/** One scripted answer: a login or statement refused with Snowflake's code, or a statement held until aborted. */
export type FakesnowFault =
  | { on: "login"; code: "390100" }
  | { on: "query"; code: "390111" | "000630" }
  | { on: "query"; hold: true; seconds?: number; release?: boolean; async?: boolean };

export interface FakesnowStats {
  logins: number;
  queries: number;
  aborts: number;
  held: number;
  /** When the last abort-request arrived (epoch ms; 0 if none). */
  lastAbortAt: number;
  /** Statements submitted with asyncExec, and result fetches by query id. */
  asyncSubmitted: number;
  resultFetches: number;
  pending: number;
}

export interface FakesnowServer {
  host: string;
  port: number;
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
  /** The Snowflake secret payload that points the adapter at this server (services/warehouse/snowflake-credentials.ts). */
  secretPayload(): Record<string, unknown>;
  /** Scripts Snowflake's failure answers (node_compat_server.py "Fault injection"): each fault answers one request. */
  faults(list: FakesnowFault[]): Promise<void>;
  /** Requests seen since the last reset: logins, statements, abort-requests, statements held. */
  stats(): Promise<FakesnowStats>;
  /** Clears scripted faults and the counters. */
  reset(): Promise<void>;
  /** Lets asynchronous statements held with `release: true` finish normally. */
  release(): Promise<void>;
}

/** Returns the venv's python, installing the pinned fakesnow into it first if missing. */
export function ensureFakesnowVenv(): string {
  return ensurePythonVenv({
    name: `fakesnow-${FAKESNOW_VERSION}`,
    lockFile: join(HERE, "requirements.lock.txt"),
    logDir: RUN_DIR,
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/fakesnow/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function startFakesnow(options: { timeoutMs?: number } = {}): Promise<FakesnowServer> {
  const python = ensureFakesnowVenv();
  mkdirSync(RUN_DIR, { recursive: true });
  const host = "127.0.0.1";
  const port = await freePort();
  const url = `http://${host}:${port}`;
  const logFile = join(RUN_DIR, "fakesnow.log");
  const pidFile = join(RUN_DIR, `fakesnow-${port}.pid`);
  // fakesnow makes a stage directory under the temp dir at import and never removes it (upstream TODO):
  // give it a temp dir of its own and remove that on stop
  const tmpDir = join(RUN_DIR, `fakesnow-${port}.tmp`);
  mkdirSync(tmpDir, { recursive: true });
  const logFd = openSync(logFile, "a");
  writeFileSync(logFd, `--- ${new Date().toISOString()} fakesnow on ${url}\n`);
  const logFrom = logOffset(logFile);
  const child: ChildProcess = spawn(
    python,
    [join(HERE, "node_compat_server.py"), "--host", host, "--port", String(port)],
    {
      detached: true,
      stdio: ["ignore", logFd, logFd],
      cwd: RUN_DIR,
      // its caches (XDG) stay in the venv; nothing in $HOME
      env: { ...process.env, TMPDIR: tmpDir, XDG_CACHE_HOME: join(dirname(dirname(python)), "cache") },
    },
  );
  closeSync(logFd);
  const pid = child.pid;
  if (!pid) throw new Error(`could not start fakesnow (see ${logFile})`);
  writeFileSync(pidFile, `${pid}\n`);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  child.unref();

  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // its process group (spawned detached)
    } catch {
      /* already gone */
    }
  };
  // if the test process dies without calling stop(), do not leave the server behind
  const onExit = () => signal("SIGKILL");
  process.once("exit", onExit);

  const stop = async () => {
    process.removeListener("exit", onExit);
    if (!exited) {
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), 5000);
      await exitedPromise;
      clearTimeout(timer);
    }
    rmSync(pidFile, { force: true });
    rmSync(tmpDir, { recursive: true, force: true });
  };

  try {
    await waitUntilHealthy({
      name: `fakesnow (${url})`,
      child,
      healthy: () => healthy(url),
      timeoutMs: options.timeoutMs ?? 30_000,
      logFile,
      logFrom,
      stepMs: 200,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const control = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${url}${path}`, init);
    if (!res.ok) throw new Error(`fakesnow ${path}: HTTP ${res.status}`);
    return res.json() as Promise<unknown>;
  };
  return {
    host,
    port,
    url,
    pid,
    logFile,
    stop,
    secretPayload: () => ({
      account: "fakesnow",
      user: "fake",
      password: "snow-password-not-a-secret",
      role: "REPORTING",
      warehouse: "REPORTS_WH",
      database: "analytics_platform",
      schema: "reporting",
      host,
      port,
      protocol: "http",
    }),
    faults: async (list) => {
      await control("/fakesnow/faults", { method: "POST", body: JSON.stringify(list) });
    },
    stats: () => control("/fakesnow/stats") as Promise<FakesnowStats>,
    reset: async () => {
      await control("/fakesnow/reset", { method: "POST" });
    },
    release: async () => {
      await control("/fakesnow/release", { method: "POST" });
    },
  };
}
