/**
 * Test support for integration tests against the local AWS: an isolated, freshly provisioned topology
 * per test file (unique name prefix) and deadline-bounded polling helpers. No sleeps that merely hope:
 * every wait is for an observable condition, bounded by a deadline.
 */
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetQueueAttributesCommand, type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { buildTopology, type TopologyOptions } from "#events/topology.js";
import { type BusEvent, openEventTap, pollEvents } from "#services/cli/event-tap.js";
import { type AwsClients, createAwsClients, destroyAwsClients } from "#services/shared/aws.js";
import { destroyTopology, type ProvisionedTopology, provisionTopology } from "./bootstrap.js";
import { type ServiceProcess, startService } from "./service-process.js";

/** The repository root (for spawning the project's processes from tests). */
export const REPO_ROOT_FOR_TESTS = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface TestTopology {
  clients: AwsClients;
  provisioned: ProvisionedTopology;
  /** Tears the topology down and closes the clients. */
  dispose(): Promise<void>;
}

/** A short unique name prefix, e.g. `t-1a2b3c4d`. */
export function uniquePrefix(label = "t"): string {
  return `${label}-${randomBytes(4).toString("hex")}`;
}

export async function createTestTopology(options: TopologyOptions = {}): Promise<TestTopology> {
  if (!process.env.AWS_ENDPOINT_URL) {
    throw new Error(
      "AWS_ENDPOINT_URL is not set: run integration tests through `npm test` (it starts LocalStack)",
    );
  }
  const clients = createAwsClients();
  const provisioned = await provisionTopology(clients, buildTopology({ prefix: uniquePrefix(), ...options }));
  return {
    clients,
    provisioned,
    async dispose() {
      try {
        await destroyTopology(clients, provisioned);
      } finally {
        destroyAwsClients(clients);
      }
    },
  };
}

export interface CollectOptions {
  /** Stop as soon as this returns true for the messages collected so far. */
  until: (messages: Message[]) => boolean;
  /** Give up after this long (ms); the caller's assertion then fails with what was collected. */
  timeoutMs?: number;
  /** Visibility timeout applied to received messages (0 makes them visible again at once). */
  visibilityTimeout?: number;
}

/**
 * Receives (without deleting) from a queue until `until` holds or the deadline passes; returns every
 * message seen, deduplicated by MessageId.
 */
export async function collectMessages(clients: AwsClients, queueUrl: string, options: CollectOptions) {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const seen = new Map<string, Message>();
  while (Date.now() < deadline) {
    const out = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
        ...(options.visibilityTimeout !== undefined ? { VisibilityTimeout: options.visibilityTimeout } : {}),
      }),
    );
    for (const m of out.Messages ?? []) if (m.MessageId) seen.set(m.MessageId, m);
    if (options.until([...seen.values()])) break;
  }
  return [...seen.values()];
}

/** Parses the body of an EventBridge-delivered SQS message into the event envelope. */
export function eventOf(message: Message): {
  source: string;
  "detail-type": string;
  detail: Record<string, unknown>;
} {
  return JSON.parse(message.Body ?? "{}");
}

/** Polls `probe` until it returns a value other than undefined, or throws after the deadline. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
  stepMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface TappedEvent {
  detailType: string;
  detail: Record<string, unknown>;
  /** The EventBridge event id (the same on a redelivery of the event). */
  messageId: string;
}

/**
 * Reads a rule-fed queue continuously (deleting what it reads) and keeps every event in memory, so tests
 * can wait for a condition on all events seen so far and count them exactly.
 */
export class EventTap {
  readonly events: TappedEvent[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly clients: AwsClients,
    private readonly queueUrl: string,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const events = await pollEvents(this.clients.sqs, this.queueUrl, { waitSeconds: 1 }).catch(
        () => [] as BusEvent[],
      );
      for (const e of events) {
        this.events.push({ detailType: e["detail-type"], detail: e.detail, messageId: e.id ?? "" });
      }
    }
  }

  /** Events of one job, optionally of one detail-type. */
  of(jobId: string, detailType?: string): TappedEvent[] {
    return this.events.filter(
      (e) => e.detail.jobId === jobId && (!detailType || e.detailType === detailType),
    );
  }

  /** Waits until `predicate` holds over the events seen so far; throws with a summary after the deadline. */
  async waitFor(
    predicate: (events: TappedEvent[]) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<void> {
    await eventually(async () => (predicate(this.events) ? true : undefined), what, timeoutMs).catch(
      (error) => {
        const seen = this.events.map((e) => `${e.detailType}(${String(e.detail.jobId ?? "-")})`).join(", ");
        throw new Error(`${(error as Error).message}; events seen: [${seen}]`);
      },
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/**
 * A queue of the test's own, fed by a rule matching every pipeline event: a window on the bus that does
 * not compete with the consumers for their queues. Removed by `dispose` of the topology's bus and by
 * deleting the queue in `stop`.
 */
export async function createBusTap(t: TestTopology): Promise<EventTap & { dispose(): Promise<void> }> {
  const busTap = await openEventTap(t.clients, {
    busName: t.provisioned.busName,
    namePrefix: `${t.provisioned.topology.prefix}-test`,
  });
  const tap = new EventTap(t.clients, busTap.queueUrl) as EventTap & { dispose(): Promise<void> };
  tap.dispose = async () => {
    await tap.stop();
    await busTap.close();
  };
  return tap;
}

/** Fast-moving settings for tests: short polls, short visibility, quick retries. */
export function testWorkerEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REPORTS_PREFIX: prefix,
    HTTP_PORT: "0",
    POLL_WAIT_SECONDS: "1",
    VISIBILITY_TIMEOUT_SECONDS: "6",
    HEARTBEAT_INTERVAL_SECONDS: "2",
    RETRY_BASE_SECONDS: "1",
    DRAIN_TIMEOUT_MS: "20000",
    WORKER_CONCURRENCY: "4",
    ...extra,
  };
}

/** The deployed worker's entry, and the same worker with warehouse fault injection (WAREHOUSE_FAULTS). */
export const WORKER_SCRIPT = "services/worker/main.ts";
export const FAULTY_WORKER_SCRIPT = "localstack/faults/faulty-worker.ts";
/** The intake's entry (the front door's routes). */
export const INTAKE_SCRIPT = "services/intake/main.ts";
/** The three event consumers in one local process (localstack/consumers.ts). */
export const CONSUMERS_SCRIPT = "localstack/consumers.ts";
/** The local schedule runner (fires LocalStack's stored schedules). */
export const SCHEDULE_RUNNER_SCRIPT = "localstack/schedule-runner.ts";

let spawned = 0;

/**
 * Starts the worker as a real process (one that can be SIGKILLed or SIGTERMed) with `testWorkerEnv`; with
 * WAREHOUSE_FAULTS in `extra` it runs the fault-injecting entry. Log: `.local/logs/e2e/`.
 */
export function spawnWorker(prefix: string, extra: Record<string, string> = {}): ServiceProcess {
  spawned += 1;
  return startService({
    name: `worker-${spawned}`,
    script: extra.WAREHOUSE_FAULTS ? FAULTY_WORKER_SCRIPT : WORKER_SCRIPT,
    env: testWorkerEnv(prefix, extra),
    logFile: join(REPO_ROOT_FOR_TESTS, ".local", "logs", "e2e", `${prefix}-worker-${spawned}.log`),
  });
}

/** Waits until the worker process logs that it started; resolves with that line (it names the HTTP port). */
export function workerReady(w: ServiceProcess, timeoutMs = 30_000): Promise<string> {
  return w.waitForLine('"worker started"', timeoutMs);
}

/** Visible + in-flight + delayed messages of a queue. */
export async function queueDepth(clients: AwsClients, queueUrl: string): Promise<number> {
  const out = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}
