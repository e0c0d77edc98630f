/**
 * The one way local tooling (the `npm start` demo, the bench, the fault suite, the e2e tests) runs a
 * pipeline process: the project's Node with tsx as a loader (or plain node for the compiled dist/
 * entries), in ONE process (the tsx CLI would fork a child, and a SIGKILL to the parent would leave the
 * service running), output to a log file that is followed line by line, so callers can wait for a line,
 * count lines, and stop it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readSync } from "node:fs";
import { dirname } from "node:path";
import { REPO_ROOT } from "./local-aws.js";

export interface ServiceOptions {
  /** For messages and pid files, e.g. "worker". */
  name: string;
  /** Entry script, relative to the repo root. */
  script: string;
  /** Run the script's TypeScript through tsx (default), or plain node (the compiled dist/ entries). */
  loader?: "tsx" | "none";
  args?: string[];
  /** Laid over this process's environment. */
  env?: Record<string, string | undefined>;
  /** Where stdout and stderr go (truncated at start). */
  logFile: string;
  /** Own process group, so it can outlive this process (`npm start -- --keep`; see `detach`). */
  detached?: boolean;
  /** Called for every complete line the process writes. */
  onLine?: (line: string) => void;
  /** How many recent lines `lines` keeps (default 200). */
  keepLines?: number;
  /** The node binary (default: this process's). */
  node?: string;
  /** Working directory, which `script` is relative to (default: the repo root). */
  cwd?: string;
  /** Run as this user and group (the production smoke test: a non-root user, as in the image). */
  uid?: number;
  gid?: number;
}

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** The most recent lines (at most `keepLines`). */
  lines: string[];
  /** Resolves with the exit code (null when killed by a signal), once the log is read to its end. */
  exited: Promise<number | null>;
  /** Resolves with the first line containing `text`; rejects if the process exits first or at the timeout. */
  waitForLine(text: string, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Stops following the log and lets this process exit while the service runs on. */
  detach(): void;
}

const POLL_MS = 50;

export function startService(options: ServiceOptions): ServiceProcess {
  const { name, script, args = [], logFile, detached = false, onLine, keepLines = 200 } = options;
  const loader = options.loader === "none" ? [] : ["--import", "tsx"];
  mkdirSync(dirname(logFile), { recursive: true });
  const writeFd = openSync(logFile, "w");
  const child = spawn(options.node ?? process.execPath, [...loader, script, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
    detached,
    stdio: ["ignore", writeFd, writeFd],
  });
  closeSync(writeFd);

  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const readFd = openSync(logFile, "r");
  let offset = 0;
  let partial = "";
  let following = true;
  const buffer = Buffer.alloc(64 * 1024);
  const drain = () => {
    if (!following) return;
    for (;;) {
      const n = readSync(readFd, buffer, 0, buffer.length, offset);
      if (n <= 0) break;
      offset += n;
      const parts = (partial + buffer.subarray(0, n).toString("utf8")).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        if (lines.length > keepLines) lines.shift();
        onLine?.(line);
        seen(line);
      }
    }
    for (const wake of waiters) wake();
  };
  const found = new Map<string, string>();
  const wanted = new Set<string>();
  const seen = (line: string) => {
    for (const text of wanted) if (!found.has(text) && line.includes(text)) found.set(text, line);
  };
  const poller = setInterval(drain, POLL_MS);
  const unfollow = () => {
    if (!following) return;
    clearInterval(poller);
    following = false;
    closeSync(readFd);
  };

  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      drain();
      if (partial) {
        lines.push(partial);
        onLine?.(partial);
        seen(partial);
        partial = "";
      }
      unfollow();
      for (const wake of waiters) wake();
      resolve(code);
    });
  });

  const tail = () => lines.slice(-8).join("\n");
  const waitForLine = (text: string, timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      wanted.add(text);
      for (const line of lines) seen(line);
      const deadline = Date.now() + timeoutMs;
      const check = () => {
        const line = found.get(text);
        if (line !== undefined) return finish(() => resolve(line));
        if (child.exitCode !== null || child.signalCode !== null || !following)
          return finish(() =>
            reject(
              new Error(
                `${name} exited (${child.exitCode ?? child.signalCode}) before "${text}" (log ${logFile}):\n${tail()}`,
              ),
            ),
          );
        if (Date.now() > deadline)
          finish(() =>
            reject(new Error(`${name}: no "${text}" within ${timeoutMs} ms (log ${logFile}):\n${tail()}`)),
          );
      };
      const timer = setTimeout(check, timeoutMs + POLL_MS);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  const stop = async (timeoutMs = 30_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };

  const detach = () => {
    unfollow();
    child.unref();
  };

  return { name, child, logFile, lines, exited, waitForLine, stop, detach };
}
