/**
 * Waiting for a local test server (LocalStack, fakesnow) to come up, and saying why at once when it does
 * not: a server that exits during start-up fails the wait on the spot with the last lines of its log (the
 * Python exception, when there is one), instead of a health timeout that points at the log file.
 */
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { createServer } from "node:net";

/** Thrown when a local server exits during start-up or does not become healthy in time. */
export class LocalServerStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalServerStartError";
  }
}

/** The size of `file` now (0 if missing): read the log from here on to see only this start's lines. */
export function logOffset(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

const MAX_TAIL_BYTES = 64 * 1024;

/**
 * The informative end of a server log written since `fromOffset`: from the last Python traceback (or
 * `ERROR:` line) to the end, else the last lines; at most `maxLines` lines either way.
 */
export function logTail(file: string, fromOffset = 0, maxLines = 25): string {
  let text = "";
  try {
    const size = statSync(file).size;
    const start = Math.max(fromOffset, size - MAX_TAIL_BYTES);
    const length = Math.max(0, size - start);
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, "r");
    try {
      readSync(fd, buffer, 0, length, start);
    } finally {
      closeSync(fd);
    }
    text = buffer.toString("utf8");
  } catch {
    return "(no log written)";
  }
  const lines = text.replace(/\s+$/, "").split("\n");
  const last = (re: RegExp) => lines.findLastIndex((line) => re.test(line));
  const traceback = last(/^Traceback \(most recent call last\)/);
  const error = last(/^ERROR:|\bERROR\b.* --- /);
  // LocalStack prints "ERROR: the LocalStack runtime exited unexpectedly: …" right before the traceback
  const from = traceback < 0 ? error : /^ERROR:/.test(lines[traceback - 1] ?? "") ? traceback - 1 : traceback;
  const picked = from >= 0 ? lines.slice(from) : lines;
  if (picked.length <= maxLines) return picked.join("\n") || "(log is empty)";
  // keep the head of the error and the exception itself (the traceback's last lines)
  const head = picked.slice(0, 2);
  return [...head, `  … ${picked.length - maxLines} lines …`, ...picked.slice(-(maxLines - 3))].join("\n");
}

export interface WaitOptions {
  /** For messages, e.g. "LocalStack". */
  name: string;
  child: ChildProcess;
  healthy: () => Promise<boolean>;
  timeoutMs: number;
  logFile: string;
  /** Where this start's lines begin in `logFile` (see `logOffset`). */
  logFrom: number;
  stepMs?: number;
}

/** Resolves once `healthy()` answers true; rejects as soon as the child exits, or at the timeout. */
export async function waitUntilHealthy(options: WaitOptions): Promise<void> {
  const { name, child, healthy, timeoutMs, logFile, logFrom, stepMs = 250 } = options;
  let exit: string | undefined =
    child.exitCode !== null || child.signalCode !== null
      ? `code ${child.exitCode ?? child.signalCode}`
      : undefined;
  let wake: () => void = () => {};
  const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
    exit = code !== null ? `code ${code}` : `signal ${signal}`;
    wake();
  };
  child.once("exit", onExit);
  const failure = (what: string) =>
    new LocalServerStartError(
      `${name} ${what}; last lines of ${logFile}:\n${logTail(logFile, logFrom)
        .split("\n")
        .map((line) => `    ${line}`)
        .join("\n")}`,
    );
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exit) throw failure(`exited during start-up (${exit})`);
      if (await healthy()) return;
      if (exit) throw failure(`exited during start-up (${exit})`);
      if (Date.now() > deadline) throw failure(`did not become healthy within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, stepMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    child.removeListener("exit", onExit);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for a server that is told its port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
