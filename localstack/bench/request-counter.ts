/**
 * Counts the AWS requests a process makes, by service and operation (`SQS.ReceiveMessage`), in an SDK
 * middleware on each client: what the bench reports as requests per job, counted rather than estimated.
 * Counted at the `initialize` step, so one `send` is one request however many times the SDK retries it
 * (LocalStack in the bench does not throttle; a retry would show as a rise in LocalStack CPU, not here).
 *
 * @example
 * const counter = new RequestCounter();
 * counter.instrument(clients);          // before the first call
 * …
 * counter.counts();                     // { "SQS.ReceiveMessage": 12, "S3.PutObject": 40, … }
 */
import { writeFileSync } from "node:fs";

/** Any SDK v3 client: what the middleware needs of it. */
interface InstrumentableClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

const MIDDLEWARE_NAME = "benchRequestCounter";

export class RequestCounter {
  private readonly byOperation = new Map<string, number>();

  /** Adds the counting middleware to every client of `clients` (an AwsClients, or any record of clients). */
  instrument(clients: object): void {
    for (const client of Object.values(clients) as InstrumentableClient[]) {
      client.middlewareStack.add(
        (next, context) => (args) => {
          const service = (context.clientName ?? "Unknown").replace(/Client$/, "");
          const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
          const key = `${service}.${operation}`;
          this.byOperation.set(key, (this.byOperation.get(key) ?? 0) + 1);
          return next(args);
        },
        { step: "initialize", name: MIDDLEWARE_NAME },
      );
    }
  }

  /** Requests so far, by `Service.Operation`, sorted by name. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.byOperation].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Total requests so far. */
  total(): number {
    let n = 0;
    for (const v of this.byOperation.values()) n += v;
    return n;
  }

  /**
   * Writes the counts to `file` when the process exits (synchronously, so a process that ends with
   * `process.exit` in a signal handler still leaves them).
   */
  writeOnExit(file: string): void {
    process.on("exit", () => writeFileSync(file, `${JSON.stringify(this.counts())}\n`));
  }
}

/** Requests per job from a count, rounded to 0.01; operations that round to 0 are kept (a poll, say). */
export function perJob(counts: Record<string, number>, jobs: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).map(([op, n]) => [op, Math.round((n / Math.max(1, jobs)) * 100) / 100]),
  );
}

/** The sum of per-operation figures. */
export function sumOf(counts: Record<string, number>): number {
  return Math.round(Object.values(counts).reduce((a, v) => a + v, 0) * 100) / 100;
}

/**
 * For the counting entry points (counting-worker.ts, counting-consumers.ts): a counter that writes to
 * BENCH_REQUEST_COUNTS_FILE on exit; without that variable the process stops (exit 2) naming it.
 */
export function counterFromEnv(env: NodeJS.ProcessEnv = process.env): RequestCounter {
  const file = env.BENCH_REQUEST_COUNTS_FILE;
  if (!file) {
    console.error("BENCH_REQUEST_COUNTS_FILE is required (where the request counts go on exit)");
    process.exit(2);
  }
  const counter = new RequestCounter();
  counter.writeOnExit(file);
  return counter;
}
