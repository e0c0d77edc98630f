/**
 * The contract as a package: `@report-pipeline/events` is built from events/, packed with `npm pack`, and
 * installed from the tarball into a scratch project outside the repository (npm fetches only zod, from
 * its cache or the registry). There a consumer written against the package is type-checked with the
 * package's own declarations, then run: it parses each detail-type's example event taken from the
 * package's JSON Schemas and rejects a broken one naming the field. A consumer that misreads a type
 * must fail to type-check, so the check is one that can fail.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_DETAIL_TYPES, EVENT_SOURCE } from "#events/names.js";
import { REPORT_EVENT_EXAMPLES } from "#events/report-events.schema.js";
import {
  buildEventsPackage,
  EVENTS_PACKAGE_NAME,
  installIntoScratchProject,
  packEventsPackage,
  scratchCompilerOptions,
} from "#localstack/events-package.js";
import { REPO_ROOT } from "#localstack/local-aws.js";

const TSC = join(REPO_ROOT, "node_modules", ".bin", "tsc");
const NODE = join(REPO_ROOT, "node_modules", ".bin", "node");

const CONSUMER = `
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  ALL_DETAIL_TYPES, ERROR_CODES, type ErrorCode, EVENT_SOURCE, parseReportEvent, type ReceivedReportEvent,
  reportEventPattern, safeParseReportEvent, verifyWebhookSignature, webhookSignatureHeaders,
} from "${EVENTS_PACKAGE_NAME}";

const require = createRequire(import.meta.url);
const example = (dt: string) =>
  JSON.parse(readFileSync(require.resolve("${EVENTS_PACKAGE_NAME}/schemas/events/" + dt + ".schema.json"), "utf8"))
    .examples[0] as Record<string, unknown>;

function summary(event: ReceivedReportEvent): string {
  switch (event.detailType) {
    case "ReportGenerated":
      return "generated " + event.detail.uri;
    case "ReportFailed": {
      const info = ERROR_CODES[event.detail.error.code as ErrorCode];
      return "failed " + event.detail.error.code + " retryable=" + String(info?.retryable);
    }
    case "ReportOrganized":
      return "organized " + event.detail.finalKey;
    default:
      return event.detailType + " " + event.detail.eventId;
  }
}

const parsed = ALL_DETAIL_TYPES.map((dt) => {
  const body = JSON.stringify({ version: "0", id: "delivery-1", source: EVENT_SOURCE, "detail-type": dt, detail: example(dt) });
  const event = parseReportEvent(body); // an SQS message body, as a rule delivers it
  return { detailType: event.detailType, eventId: event.detail.eventId, summary: summary(event) };
});

const broken = safeParseReportEvent({
  source: EVENT_SOURCE,
  "detail-type": "ReportGenerated",
  detail: { ...example("ReportGenerated"), sha256: "not-a-hash" },
});

const secret = "a-subscriber-secret-0123456789";
const url = "https://hooks.example.com/reports";
const body = JSON.stringify(example("ReportNotified"));
const timestamp = Math.floor(Date.now() / 1000);
const eventId = "2b3f7c1e-0000-5000-8000-000000000000";
const headers = webhookSignatureHeaders({ secret, url, timestamp, eventId, body });

console.log(JSON.stringify({
  parsed,
  broken: broken.ok ? null : { fields: broken.error.fields, message: broken.error.message },
  pattern: reportEventPattern({ detailTypes: ["ReportGenerated", "ReportFailed"] }),
  webhook: verifyWebhookSignature({ secret, url, headers, body }),
  tampered: verifyWebhookSignature({ secret, url, headers, body: body + " " }),
}));
`;

/** A consumer that reads a field the narrowed detail does not have: the package's types must refuse it. */
const MISTYPED = `
import { parseReportEvent } from "${EVENTS_PACKAGE_NAME}";
const event = parseReportEvent("{}");
if (event.detailType === "ReportFailed") console.log(event.detail.uri);
`;

describe(`${EVENTS_PACKAGE_NAME} installed from its tarball`, () => {
  let tmp: string;
  let scratch: string;
  let tarball: string;

  const tsc = (file: string) =>
    spawnSync(TSC, ["-p", join(scratch, `tsconfig.${file}.json`)], { cwd: scratch, encoding: "utf8" });

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "rp-events-package-"));
    tarball = packEventsPackage(buildEventsPackage(join(tmp, "package")), tmp);
    scratch = join(tmp, "consumer");
    installIntoScratchProject(scratch, "scratch-consumer", tarball);
    writeFileSync(join(scratch, "src", "consumer.ts"), CONSUMER);
    writeFileSync(join(scratch, "src", "mistyped.ts"), MISTYPED);
    for (const file of ["consumer", "mistyped"]) {
      writeFileSync(
        join(scratch, `tsconfig.${file}.json`),
        JSON.stringify({
          compilerOptions: scratchCompilerOptions({
            noUncheckedIndexedAccess: true,
            exactOptionalPropertyTypes: true,
            // the package's declarations are checked too (zod's, which they reference, are zod's business)
            skipLibCheck: false,
          }),
          files: [`src/${file}.ts`],
        }),
      );
    }
  }, 180_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("packs the compiled contract, its declarations and the JSON Schemas, and nothing of the AWS SDK", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    expect(files).toContain("package/events/index.js");
    expect(files).toContain("package/events/index.d.ts");
    for (const dt of ALL_DETAIL_TYPES) expect(files).toContain(`package/schemas/events/${dt}.schema.json`);
    const installed = join(scratch, "node_modules", "@report-pipeline", "events");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(Object.keys(manifest.dependencies)).toEqual(["zod"]);
    // nothing under the consumer's node_modules but the package and zod
    expect(
      readdirSync(join(scratch, "node_modules"))
        .filter((d) => !d.startsWith("."))
        .sort(),
    ).toEqual(["@report-pipeline", "zod"]);
    const sources = readdirSync(join(installed, "events")).filter((f) => f.endsWith(".js"));
    for (const f of sources)
      expect(readFileSync(join(installed, "events", f), "utf8"), f).not.toMatch(/aws-sdk/);
  });

  it("type-checks a consumer against the package's declarations, and refuses a mistyped one", () => {
    const ok = tsc("consumer");
    expect(ok.stdout + ok.stderr, "tsc of the consumer").toBe("");
    expect(ok.status).toBe(0);
    const bad = tsc("mistyped");
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/mistyped\.ts.*error TS2339: Property 'uri' does not exist/);
  });

  it("parses each example event from the package's JSON Schemas and rejects a broken one naming the field", () => {
    const run = spawnSync(NODE, [join(scratch, "out", "consumer.js")], { cwd: scratch, encoding: "utf8" });
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout);
    expect(out.parsed.map((p: { detailType: string }) => p.detailType)).toEqual([...ALL_DETAIL_TYPES]);
    for (const p of out.parsed)
      expect(p.eventId).toBe(REPORT_EVENT_EXAMPLES[p.detailType as "ReportStarted"].eventId);
    expect(out.parsed.find((p: { detailType: string }) => p.detailType === "ReportFailed").summary).toBe(
      "failed WAREHOUSE_UNAVAILABLE retryable=true",
    );
    expect(out.broken.fields).toEqual(["detail.sha256"]);
    expect(out.broken.message).toMatch(/detail\.sha256: must be 64 lowercase hex characters/);
    expect(out.pattern).toEqual({
      source: [EVENT_SOURCE],
      "detail-type": ["ReportGenerated", "ReportFailed"],
    });
    expect(out.webhook).toMatchObject({ ok: true, eventId: "2b3f7c1e-0000-5000-8000-000000000000" });
    expect(out.tampered).toMatchObject({ ok: false, reason: "mismatch" });
  });
});
