/**
 * Bad input, end to end (issue 9, item 2): fast-check generates payloads — valid jobs, jobs with one field
 * wrong, non-objects, non-JSON text, bodies near the size limits, odd Unicode and injection strings in every
 * string field — and each one goes through the jobs queue (raw SendMessageBatch, as a careless producer
 * would send it) AND through the HTTP intake (POST /jobs, with the headers the API gateway adds) of a real
 * in-process intake, to a real in-process worker on LocalStack.
 *
 * Outcomes checked per payload:
 *  - SQS: refused at the boundary with a clear error exactly when the body is not SQS-safe (invalid XML
 *    characters, empty, over 1 MiB); otherwise a valid job ends in ReportGenerated or a final ReportFailed
 *    (matched by jobId) and anything else in a ReportRejected whose issues name the same fields the job
 *    schema names (matched by SQS messageId).
 *  - HTTP: 202 {jobId} for a valid job (then processed like above), 400 with a JSON error naming the field,
 *    413 over HTTP_MAX_BODY_BYTES; never 5xx.
 *  - At the end: jobs queue and DLQ empty, /health 200, consumer running; no captured log line contains a
 *    secret (raw or JSON-escaped), though payloads carried it.
 *
 * Size: BAD_INPUT_RUNS payloads (default 400, the CI size); `npm run test:bad-input` runs 10,000.
 * BAD_INPUT_SEED replays a run (the seed is printed in the summary line).
 */
import { randomBytes } from "node:crypto";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { GATEWAY_HEADERS } from "#events/front-door.js";
import { DetailType } from "#events/names.js";
import { EVENT_TEXT_LIMITS } from "#events/report-events.schema.js";
import { parseReportJob } from "#events/report-job.schema.js";
import { prepareReportJob } from "#events/submit-report-job.js";
import { createLogger, redact } from "#services/shared/logger.js";
import { WarehouseConfigError } from "#services/warehouse/errors.js";
import { loadSnowflakeCredentials } from "#services/warehouse/snowflake-credentials.js";
import type { RunningWorker } from "#services/worker/main.js";
import { LOCAL_CALLER } from "../../../localstack/front-door.js";
import {
  createBusTap,
  createTestTopology,
  type EventTap,
  eventually,
  queueDepth,
  type TestTopology,
} from "../../../localstack/testing.js";
import { type Payload, payload, render } from "../bad-input/arbitraries.js";
import { startTestFrontDoor, startTestWorker, type TestFrontDoor } from "./support.js";

const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 400);
const SEED = Number(process.env.BAD_INPUT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const HTTP_MAX_BODY_BYTES = 256 * 1024;
/** LocalStack (like AWS since 2025) takes bodies up to 1 MiB. */
const SQS_MAX_BODY_BYTES = 1024 * 1024;
/** Characters SQS accepts in a message body (XML 1.0 chars). */
const SQS_SAFE = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

// Unique secrets for this run: a plain one, one with characters JSON escapes, one only in a malformed secret.
const RUN = randomBytes(3).toString("hex");
const PASSWORD = `pw-${randomBytes(8).toString("hex")}`;
const PASSWORD_ESCAPED = `Pw"${randomBytes(6).toString("hex")}\\q`;
const PASSWORD_MALFORMED = `pm-${randomBytes(8).toString("hex")}`;
const SECRETS = [PASSWORD, PASSWORD_ESCAPED, PASSWORD_MALFORMED];
/** How each secret could appear in a JSON log line: as is, or JSON-escaped. */
const SECRET_FORMS = SECRETS.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);

type Outcome =
  | "sqs:refused"
  | "sqs:generated"
  | "sqs:failed"
  | "sqs:rejected"
  | "http:202:generated"
  | "http:202:failed"
  | "http:400"
  | "http:413";

interface Sent {
  index: number;
  channel: "sqs" | "http";
  payload: Payload;
  body: string;
  jobId: string;
  /** What the job schema says: the job is valid, or these fields are wrong. */
  expected: { valid: true } | { valid: false; fields: string[] };
  messageId?: string | undefined;
  refused?: { code: string; message: string };
  http?: { status: number; json: unknown };
}

const fieldsOf = (error: unknown): string[] => {
  if (error instanceof ValidationError) return error.fields;
  throw error;
};

/** What the worker must conclude about a body it receives from the queue. */
function queueVerdict(body: string): Sent["expected"] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { valid: false, fields: ["(body)"] };
  }
  try {
    parseReportJob(value);
    return { valid: true };
  } catch (error) {
    return { valid: false, fields: fieldsOf(error) };
  }
}

/**
 * What POST /jobs must conclude: it fills requestedAt like every producer client, and sets requestedBy to
 * the caller whatever the body says.
 */
function httpVerdict(text: string): Sent["expected"] {
  if (text.trim() === "") return { valid: false, fields: ["(body)"] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { valid: false, fields: ["(body)"] };
  }
  try {
    const draft =
      value !== null && typeof value === "object" && !Array.isArray(value)
        ? { ...value, requestedBy: LOCAL_CALLER }
        : value;
    prepareReportJob(draft as never);
    return { valid: true };
  } catch (error) {
    return { valid: false, fields: fieldsOf(error) };
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

const awsError = (error: unknown) => {
  const e = error as { name?: string; message?: string };
  return { code: e.name ?? "Error", message: e.message ?? String(error) };
};

describe("bad input through the jobs queue and the HTTP intake", () => {
  let t: TestTopology;
  let tap: EventTap & { dispose(): Promise<void> };
  let worker: RunningWorker | undefined;
  let front: TestFrontDoor | undefined;
  const secretIds: string[] = [];
  let logLines = 0;
  let redactedLines = 0;
  const leaks: string[] = [];

  const capture = (line: string) => {
    logLines++;
    if (line.includes("[REDACTED]")) redactedLines++;
    for (const form of SECRET_FORMS) {
      if (line.includes(form) && leaks.length < 20) leaks.push(line.slice(0, 2000));
    }
  };

  beforeAll(async () => {
    t = await createTestTopology({ jobsMaxReceiveCount: 3 });
    tap = await createBusTap(t);
    worker = await startTestWorker(
      t.provisioned.topology.prefix,
      { WORKER_CONCURRENCY: "8", HTTP_MAX_BODY_BYTES: String(HTTP_MAX_BODY_BYTES) },
      { logger: createLogger({ service: "report-worker", level: "debug", write: capture }), metrics: false },
    );
    // The quota is not what this test is about: every payload must reach the body checks.
    front = await startTestFrontDoor(
      t,
      {
        HTTP_MAX_BODY_BYTES: String(HTTP_MAX_BODY_BYTES),
        INTAKE_CALLER_JOBS_PER_MINUTE: "1000000",
        INTAKE_CALLER_BURST: "1000000",
      },
      { logger: createLogger({ service: "intake", level: "debug", write: capture }) },
    );
  });

  afterAll(async () => {
    await front?.stop();
    await worker?.stop();
    await tap?.dispose();
    for (const id of secretIds) {
      await t.clients.secrets
        .send(new DeleteSecretCommand({ SecretId: id, ForceDeleteWithoutRecovery: true }))
        .catch(() => undefined);
    }
    await t?.dispose();
  });

  it("loads the Snowflake secret with the real loader; malformed variants are refused naming the field, never quoting the password", async () => {
    // Prepare
    const creds = {
      account: "xy12345.eu-west-1",
      user: "REPORTS_SVC",
      role: "REPORTING",
      warehouse: "REPORTS_WH",
      database: "ANALYTICS_PLATFORM",
    };
    const secret = async (label: string, secretString: string) => {
      const id = `test/${t.provisioned.topology.prefix}/snowflake-${label}`;
      await t.clients.secrets.send(new CreateSecretCommand({ Name: id, SecretString: secretString }));
      secretIds.push(id);
      return id;
    };
    const plain = await secret("plain", JSON.stringify({ ...creds, password: PASSWORD }));
    const escaped = await secret("escaped", JSON.stringify({ ...creds, password: PASSWORD_ESCAPED }));
    const { warehouse: _, ...noWarehouse } = creds;
    const missing = await secret("missing", JSON.stringify({ ...noWarehouse, password: PASSWORD_MALFORMED }));
    const broken = await secret("broken", `{"password": "${PASSWORD_MALFORMED}", "user": `);

    // Act
    const loaded = [
      await loadSnowflakeCredentials(t.clients.secrets, plain),
      await loadSnowflakeCredentials(t.clients.secrets, escaped),
    ];
    const refused = await Promise.all(
      [missing, broken].map((id) =>
        loadSnowflakeCredentials(t.clients.secrets, id).then(
          () => undefined,
          (e) => e,
        ),
      ),
    );
    // The values a service must never print, registered the way a service registers them.
    for (const s of SECRETS) redact(s);

    // Assess
    expect(loaded.map((c) => c.password)).toEqual([PASSWORD, PASSWORD_ESCAPED]);
    expect(refused[0]).toBeInstanceOf(WarehouseConfigError);
    expect((refused[0] as Error).message).toContain("warehouse: is required");
    expect(refused[1]).toBeInstanceOf(WarehouseConfigError);
    expect((refused[1] as Error).message).toContain("not valid JSON");
    for (const e of refused as Error[]) {
      const printable = [e.message, e.stack, JSON.stringify(e), String(e.cause ?? "")].join("\n");
      expect(printable).not.toContain(PASSWORD_MALFORMED);
    }
  });

  it(
    `every generated payload (${RUNS}) ends generated, failed or rejected with the field named; none stuck, no crash, no 5xx, no secret in the logs`,
    async () => {
      // Prepare
      const started = Date.now();
      console.log(`bad-input: ${RUNS} payloads, BAD_INPUT_SEED=${SEED}`);
      const payloads = fc.sample(payload(SECRETS), { numRuns: RUNS, seed: SEED });
      const sent: Sent[] = [];
      payloads.forEach((p, i) => {
        for (const channel of ["sqs", "http"] as const) {
          const jobId = `bi_${RUN}_${i}_${channel === "sqs" ? "q" : "h"}`;
          const body = render(p, jobId);
          const expected =
            channel === "sqs" ? queueVerdict(body) : httpVerdict(Buffer.from(body, "utf8").toString("utf8"));
          sent.push({ index: i, channel, payload: p, body, jobId, expected });
        }
      });
      // The generators mean what they say: a payload built invalid on a field is invalid on that field.
      for (const s of sent) {
        const p = s.payload;
        if (p.kind.startsWith("valid:") && s.channel === "sqs")
          expect(s.expected, p.kind).toEqual({ valid: true });
        if (p.field && s.channel === "sqs") {
          expect(s.expected.valid, `${p.kind}: ${s.body.slice(0, 300)}`).toBe(false);
          const field = p.field;
          if (!s.expected.valid)
            expect(
              s.expected.fields.some((f) => f === field || f.startsWith(`${field}.`)),
              `${p.kind} should name ${field}, names ${s.expected.fields.join(",")}: ${s.body.slice(0, 300)}`,
            ).toBe(true);
        }
      }

      // Act 1: the queue, in batches of 10 as a producer would (falling back to one by one when SQS
      // refuses a whole batch), and the HTTP intake, concurrently.
      const sqsSent = sent.filter((s) => s.channel === "sqs");
      const batches: Sent[][] = [];
      for (let i = 0; i < sqsSent.length; i += 10) batches.push(sqsSent.slice(i, i + 10));
      const sendOne = async (s: Sent) => {
        try {
          const out = await t.clients.sqs.send(
            new SendMessageCommand({ QueueUrl: t.provisioned.jobs.queueUrl, MessageBody: s.body }),
          );
          s.messageId = out.MessageId;
        } catch (error) {
          s.refused = awsError(error);
        }
      };
      const sqsDone = pool(batches, 4, async (batch) => {
        try {
          const out = await t.clients.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: t.provisioned.jobs.queueUrl,
              Entries: batch.map((s, i) => ({ Id: String(i), MessageBody: s.body })),
            }),
          );
          for (const ok of out.Successful ?? []) {
            const s = batch[Number(ok.Id)];
            if (s) s.messageId = ok.MessageId;
          }
          for (const bad of out.Failed ?? []) {
            const s = batch[Number(bad.Id)];
            if (s) s.refused = { code: bad.Code ?? "", message: bad.Message ?? "" };
          }
        } catch {
          for (const s of batch) await sendOne(s);
        }
      });
      // Straight to the intake with what the gateway adds (its token), so odd bodies meet the intake's own
      // checks unaltered; the gateway in front of it is exercised by front-door.test.ts.
      const url = `${front?.intakeUrl}/jobs`;
      const httpDone = pool(
        sent.filter((s) => s.channel === "http"),
        8,
        async (s) => {
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", [GATEWAY_HEADERS.token]: front?.token ?? "" },
            body: s.body,
          }).catch((error: Error) => ({ status: -1, text: async () => String(error.cause ?? error) }));
          const text = await res.text();
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {}
          s.http = { status: res.status, json };
        },
      );
      await Promise.all([sqsDone, httpDone]);

      // Assess 1: the boundaries answered as they should.
      const problems: string[] = [];
      const show = (s: Sent) =>
        `#${s.index} ${s.channel} ${s.payload.kind} (${Buffer.byteLength(s.body)} B) ${JSON.stringify(s.body.slice(0, 200))}`;
      for (const s of sqsSent) {
        const bytes = Buffer.byteLength(s.body, "utf8");
        const unsafe = s.body === "" || !SQS_SAFE.test(s.body) || bytes > SQS_MAX_BODY_BYTES;
        if (unsafe && !s.refused) problems.push(`SQS took an unsafe body: ${show(s)}`);
        if (!unsafe && s.refused) problems.push(`SQS refused a safe body (${s.refused.code}): ${show(s)}`);
        // A clear error: a client fault naming the problem. LocalStack answers a lone surrogate with an
        // InternalError about the codec (AWS answers InvalidMessageContents); accepted as such.
        if (
          s.refused &&
          !/InvalidMessageContents|InvalidParameterValue|MissingParameter|MissingRequiredParameter|surrogates/.test(
            `${s.refused.code} ${s.refused.message}`,
          )
        )
          problems.push(`SQS refusal unclear (${s.refused.code}: ${s.refused.message}): ${show(s)}`);
      }
      for (const s of sent.filter((x) => x.channel === "http")) {
        const status = s.http?.status ?? -1;
        const err = (s.http?.json as { error?: { code?: string; fields?: string[]; message?: string } })
          ?.error;
        const bytes = Buffer.byteLength(s.body, "utf8");
        if (bytes > HTTP_MAX_BODY_BYTES) {
          if (status !== 413 || err?.code !== "BODY_TOO_LARGE")
            problems.push(`expected 413, got ${status}: ${show(s)}`);
        } else if (s.expected.valid) {
          if (status !== 202 || (s.http?.json as { jobId?: string })?.jobId !== s.jobId)
            problems.push(
              `expected 202 for ${s.jobId}, got ${status} ${JSON.stringify(s.http?.json).slice(0, 300)}: ${show(s)}`,
            );
        } else if (
          status !== 400 ||
          !err?.message ||
          JSON.stringify(err.fields) !== JSON.stringify(s.expected.fields)
        ) {
          problems.push(
            `expected 400 naming ${s.expected.fields.join(",")}, got ${status} ${JSON.stringify(s.http?.json).slice(0, 300)}: ${show(s)}`,
          );
        }
      }
      expect(problems.slice(0, 30), `${problems.length} boundary problems (seed ${SEED})`).toEqual([]);

      // Act 2: wait for a terminal event for everything that got in.
      const inQueue = sent.filter(
        (s) => (s.channel === "sqs" && s.messageId) || (s.channel === "http" && s.http?.status === 202),
      );
      const byJobId = new Map(inQueue.filter((s) => s.expected.valid).map((s) => [s.jobId, s]));
      const byMessageId = new Map(
        inQueue.filter((s) => !s.expected.valid && s.messageId).map((s) => [s.messageId as string, s]),
      );
      const terminal = new Map<Sent, { detailType: string; detail: Record<string, unknown> }>();
      const unexpected: string[] = [];
      let cursor = 0;
      const absorb = () => {
        for (; cursor < tap.events.length; cursor++) {
          const e = tap.events[cursor];
          if (!e) continue;
          const d = e.detail;
          if (e.detailType === DetailType.ReportRejected) {
            const s = byMessageId.get(String(d.messageId));
            if (s) terminal.set(s, e);
            else
              unexpected.push(
                `ReportRejected not matching a rejected payload: ${JSON.stringify(d).slice(0, 400)}`,
              );
          } else if (
            e.detailType === DetailType.ReportGenerated ||
            (e.detailType === DetailType.ReportFailed && d.final)
          ) {
            const s = byJobId.get(String(d.jobId));
            if (s) terminal.set(s, e);
            else unexpected.push(`${e.detailType} for an unknown job: ${JSON.stringify(d).slice(0, 400)}`);
          } else if (e.detailType === DetailType.ReportFailed) {
            unexpected.push(`retryable failure: ${JSON.stringify(d).slice(0, 400)}`);
          }
        }
        return terminal.size >= byJobId.size + byMessageId.size ? true : undefined;
      };
      await eventually(async () => absorb(), "a terminal event per payload", 120_000 + RUNS * 150, 500).catch(
        () => {
          const missing = inQueue
            .filter((s) => !terminal.has(s))
            .slice(0, 20)
            .map(show);
          throw new Error(
            `${inQueue.length - terminal.size} payloads have no terminal event (seed ${SEED}): ${missing.join("\n")}`,
          );
        },
      );

      // Assess 2: each terminal event says the right thing.
      for (const [s, e] of terminal) {
        if (s.expected.valid) {
          if (e.detailType !== DetailType.ReportGenerated)
            problems.push(`valid job failed: ${JSON.stringify(e.detail.error)}: ${show(s)}`);
          continue;
        }
        const d = e.detail as {
          reason?: string;
          issues?: { field: string }[];
          body?: string;
          bodyTruncated?: boolean;
        };
        const fields = (d.issues ?? []).map((i) => i.field);
        if (
          !d.reason ||
          JSON.stringify(fields) !==
            JSON.stringify(s.expected.fields.slice(0, EVENT_TEXT_LIMITS.rejectionIssues))
        )
          problems.push(
            `rejection should name ${s.expected.fields.join(",")}, named ${fields.join(",")} (${d.reason?.slice(0, 200)}): ${show(s)}`,
          );
        if (d.bodyTruncated !== Buffer.byteLength(s.body) > 2048 || !s.body.startsWith(d.body ?? "\u0000"))
          problems.push(`rejection body copy wrong (${d.bodyTruncated}): ${show(s)}`);
      }
      expect(
        [...unexpected, ...problems].slice(0, 30),
        `${unexpected.length + problems.length} event problems (seed ${SEED})`,
      ).toEqual([]);

      // Assess 3: nothing stuck, the worker alive, no secret in the logs.
      await eventually(
        async () =>
          (await queueDepth(t.clients, t.provisioned.jobs.queueUrl)) === 0 &&
          (await queueDepth(t.clients, t.provisioned.jobs.dlqUrl)) === 0
            ? true
            : undefined,
        "jobs queue and DLQ empty",
        30_000,
        500,
      );
      const health = await fetch(`http://127.0.0.1:${worker?.port}/health`);
      expect(health.status).toBe(200);
      expect(worker?.consumer.isRunning).toBe(true);
      expect(leaks, `log lines with a secret (seed ${SEED})`).toEqual([]);
      const carriedSecret = sent.filter((s) =>
        SECRETS.some((x) => s.body.includes(x) || s.body.includes(JSON.stringify(x).slice(1, -1))),
      );
      expect(carriedSecret.length).toBeGreaterThan(0);
      expect(redactedLines, "some log line had a secret to redact (the grep is not vacuous)").toBeGreaterThan(
        0,
      );

      // Numbers for the record.
      const outcomes: Record<string, number> = {};
      const bump = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
      for (const s of sent) {
        let o: Outcome;
        const e = terminal.get(s);
        const kind = e?.detailType === DetailType.ReportGenerated ? "generated" : "failed";
        if (s.channel === "sqs")
          o = s.refused ? "sqs:refused" : s.expected.valid ? `sqs:${kind}` : "sqs:rejected";
        else if (s.http?.status === 202) o = `http:202:${kind}`;
        else o = s.http?.status === 413 ? "http:413" : "http:400";
        bump(o);
      }
      const kinds: Record<string, number> = {};
      for (const p of payloads) {
        const k = p.kind.split(":")[0] ?? p.kind;
        kinds[k] = (kinds[k] ?? 0) + 1;
      }
      console.log(
        `bad-input summary ${JSON.stringify({
          seed: SEED,
          payloads: RUNS,
          messages: sent.length,
          seconds: Math.round((Date.now() - started) / 1000),
          kinds,
          outcomes,
          carriedSecret: carriedSecret.length,
          logLines,
          redactedLines,
          leaks: leaks.length,
        })}`,
      );
    },
    300_000 + RUNS * 300,
  );
});
