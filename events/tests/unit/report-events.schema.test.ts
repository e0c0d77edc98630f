import { describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { ALL_DETAIL_TYPES, type DetailType } from "#events/names.js";
import {
  eventIdFor,
  parseReportEvent,
  REJECTED_BODY_MAX_BYTES,
  REPORT_EVENT_EXAMPLES,
  REPORT_NOTIFIED_EXAMPLE,
  REPORT_REJECTED_EXAMPLE,
  safeParseReportEvent,
  truncateBody,
} from "#events/report-events.schema.js";

function rejectionOf(detailType: string, detail: unknown): ValidationError {
  try {
    parseReportEvent(detailType, detail);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`expected ${detailType} ${JSON.stringify(detail)} to be rejected`);
}

const example = (dt: DetailType) => REPORT_EVENT_EXAMPLES[dt] as Record<string, unknown>;

describe("report event schemas", () => {
  it.each(ALL_DETAIL_TYPES)("%s accepts its example unchanged", (dt) => {
    expect(parseReportEvent(dt, example(dt))).toEqual(example(dt));
  });

  describe.each(ALL_DETAIL_TYPES)("%s rejects, naming the field", (dt) => {
    it.each([["../x"], [""], ["a".repeat(129)], ["ab\u0000c"], ["ab\ncd"]])("jobId %j", (jobId) => {
      const error = rejectionOf(dt, { ...example(dt), jobId });

      expect(error.fields).toEqual(["jobId"]);
      expect(error.message).toContain(`invalid ${dt} detail: jobId:`);
    });

    it("an unknown report type", () => {
      const error = rejectionOf(dt, { ...example(dt), reportType: "payroll" });

      expect(error.fields).toEqual(["reportType"]);
      expect(error.message).toMatch(/reportType: must be one of sales/);
    });

    it("a wrong type (eventId as a number)", () => {
      const error = rejectionOf(dt, { ...example(dt), eventId: 7 });

      expect(error.fields).toEqual(["eventId"]);
    });

    it("another schema version", () => {
      const error = rejectionOf(dt, { ...example(dt), schemaVersion: "2" });

      expect(error.fields).toEqual(["schemaVersion"]);
    });

    it("an unknown field", () => {
      expect(rejectionOf(dt, { ...example(dt), surprise: true }).message).toContain("surprise");
    });
  });

  it.each([
    ["ReportGenerated", { sha256: "abc" }, "sha256"],
    ["ReportGenerated", { sizeBytes: -1 }, "sizeBytes"],
    ["ReportGenerated", { rowCount: "31" }, "rowCount"],
    ["ReportGenerated", { uri: "https://x/y" }, "uri"],
    ["ReportGenerated", { attempt: 0 }, "attempt"],
    ["ReportStarted", { startedAt: "now" }, "startedAt"],
    ["ReportOrganized", { category: "misc" }, "category"],
    ["ReportFailed", { error: { code: "X", message: "m" } }, "error.retryable"],
    ["ReportFailed", { final: "yes" }, "final"],
    ["ReportRejected", { body: "x".repeat(REJECTED_BODY_MAX_BYTES + 1) }, "body"],
    ["ReportRejected", { issues: [{ field: "jobId" }] }, "issues.0.message"],
    ["ReportNotified", { channels: [{ channel: "email", outcome: "delivered" }] }, "channels.0.channel"],
    ["ReportNotified", { channels: [] }, "channels"],
    ["ReportNotified", { forDetailType: "ReportStarted" }, "forDetailType"],
  ] as const)("%s rejects %j naming %s", (dt, patch, field) => {
    const error = rejectionOf(dt, { ...example(dt), ...patch });

    expect(error.fields).toContain(field);
    expect(error.message).toContain(`${field}:`);
  });

  it("lets a ReportRejected lack jobId and reportType (the message may have had none)", () => {
    const { jobId: _j, reportType: _r, ...bare } = { ...REPORT_REJECTED_EXAMPLE, jobId: "x" };

    expect(parseReportEvent("ReportRejected", bare).jobId).toBeUndefined();
  });

  it("requires jobId on a receipt unless it is for a ReportRejected", () => {
    const { jobId: _j, ...noJob } = REPORT_NOTIFIED_EXAMPLE;

    expect(rejectionOf("ReportNotified", noJob).fields).toEqual(["jobId"]);
    expect(() =>
      parseReportEvent("ReportNotified", { ...noJob, forDetailType: "ReportRejected" }),
    ).not.toThrow();
  });

  it("rejects an unknown detail-type naming detail-type", () => {
    const error = rejectionOf("ReportExploded", {});

    expect(error.fields).toEqual(["detail-type"]);
    expect(error.message).toContain("detail-type: must be one of ReportStarted");
  });
});

describe("eventIdFor", () => {
  it("is deterministic, a v5 UUID, and distinct per job, kind and attempt", () => {
    const id = eventIdFor("J1", "ReportGenerated");

    expect(eventIdFor("J1", "ReportGenerated")).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const all = new Set([
      id,
      eventIdFor("J2", "ReportGenerated"),
      eventIdFor("J1", "ReportOrganized"),
      eventIdFor("J1", "ReportFailed", 1),
      eventIdFor("J1", "ReportFailed", 2),
      eventIdFor("J1", `ReportNotified:${id}`),
    ]);
    expect(all.size).toBe(6);
  });

  it("is stable across releases (pinned value)", () => {
    // Consumers dedupe on these ids across deployments: changing the derivation is a breaking change.
    expect(eventIdFor("WORKFLOW_SALES_001", "ReportGenerated")).toBe(
      REPORT_EVENT_EXAMPLES.ReportGenerated.eventId,
    );
    expect(eventIdFor("WORKFLOW_SALES_001", "ReportGenerated")).toMatchInlineSnapshot(
      `"2bc46bc7-d903-5415-9436-d37a69b4499c"`,
    );
  });

  it("rejects an attempt that is not a positive integer", () => {
    expect(() => eventIdFor("J1", "ReportFailed", 0)).toThrow(/attempt/);
  });
});

describe("truncateBody", () => {
  it("keeps short bodies and cuts long ones on a character boundary within 2 KB", () => {
    const long = "é".repeat(REJECTED_BODY_MAX_BYTES); // 2 bytes each

    const cut = truncateBody(long);

    expect(truncateBody("{}")).toEqual({ body: "{}", bodyTruncated: false });
    expect(cut.bodyTruncated).toBe(true);
    expect(Buffer.byteLength(cut.body, "utf8")).toBe(REJECTED_BODY_MAX_BYTES);
    expect(cut.body).toBe("é".repeat(REJECTED_BODY_MAX_BYTES / 2));
  });
});

describe("parseReportEvent(raw): a whole EventBridge event", () => {
  const envelope = (dt: DetailType, detail: unknown = example(dt)) => ({
    version: "0",
    id: "7c1f…delivery",
    "detail-type": dt,
    source: "report-pipeline.reports",
    account: "123456789012",
    time: "2025-08-03T15:46:10Z",
    region: "eu-west-1",
    resources: [],
    detail,
  });
  const raise = (raw: unknown): ValidationError => {
    const result = safeParseReportEvent(raw);
    if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
    return result.error;
  };

  it.each(ALL_DETAIL_TYPES)(
    "%s: the object and its JSON text (an SQS body) parse to the typed event",
    (dt) => {
      const event = parseReportEvent(envelope(dt));
      expect(event).toMatchObject({ detailType: dt, detail: example(dt), source: "report-pipeline.reports" });
      expect(event.id).toBe("7c1f…delivery");
      expect(parseReportEvent(JSON.stringify(envelope(dt)))).toEqual(event);
    },
  );

  it("narrows the detail by detail-type", () => {
    const event = parseReportEvent(envelope("ReportGenerated"));
    if (event.detailType !== "ReportGenerated") throw new Error("narrowing");
    expect(event.detail.uri).toMatch(/^s3:\/\//);
  });

  it("names the field: detail.<field>, source, detail-type, or the event itself", () => {
    const generated = example("ReportGenerated");
    expect(raise(envelope("ReportGenerated", { ...generated, sha256: "x" })).fields).toEqual([
      "detail.sha256",
    ]);
    expect(raise(envelope("ReportGenerated", { ...generated, sha256: "x" })).message).toMatch(
      /^invalid ReportGenerated event: detail\.sha256: must be 64 lowercase hex characters/,
    );
    expect(raise({ ...envelope("ReportGenerated"), detail: undefined }).fields).toEqual(["detail"]);
    expect(raise({ ...envelope("ReportGenerated"), source: "other.app" }).fields).toEqual(["source"]);
    expect(raise({ ...envelope("ReportGenerated"), "detail-type": "ReportMade" }).fields).toEqual([
      "detail-type",
    ]);
    expect(raise("{not json").fields).toEqual(["event"]);
    expect(raise([]).fields).toEqual(["event"]);
    expect(() => parseReportEvent(42)).toThrow(ValidationError);
  });
});
