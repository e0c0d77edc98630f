/**
 * The largest valid events fit one PutEvents entry. Each event is built at the schema's maxima with the
 * worst characters for JSON (a control character escapes to 6 bytes), validated against the contract, and
 * measured as EventBridge counts it. If a bound in the schemas grows, this fails before production does.
 */
import { describe, expect, it } from "vitest";
import { entrySize, PUT_EVENTS_MAX_BYTES } from "#events/event-publisher.js";
import { DetailType, EVENT_SOURCE } from "#events/names.js";
import {
  EVENT_TEXT_LIMITS as L,
  parseReportEvent,
  REJECTED_BODY_MAX_BYTES,
  REPORT_FAILED_EXAMPLE,
  REPORT_GENERATED_EXAMPLE,
  REPORT_NOTIFIED_EXAMPLE,
  REPORT_ORGANIZED_EXAMPLE,
  REPORT_REJECTED_EXAMPLE,
  type ReportEventDetailMap,
} from "#events/report-events.schema.js";

const worst = (n: number) => "\u0001".repeat(n);
const jobId = "J".repeat(128);
const delivery = {
  webhookUrl: `https://hooks.example.com/${"a".repeat(2048 - "https://hooks.example.com/".length)}`,
  notifyOn: "always" as const,
  skipEmpty: false,
};
/** The largest summary the worker passes on: just under the byte budget, all of it escaped characters. */
const summary = { note: worst(Math.floor((L.summaryBytes - 20) / 6)) };

const size = <K extends DetailType>(detailType: K, detail: ReportEventDetailMap[K]) => {
  const parsed = parseReportEvent(detailType, detail); // valid, or this throws
  return entrySize({
    Source: EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(parsed),
    Time: new Date(),
  });
};

describe("largest valid events", () => {
  it("each fits a PutEvents entry with room to spare", () => {
    const sizes = {
      generated: size(DetailType.ReportGenerated, {
        ...REPORT_GENERATED_EXAMPLE,
        jobId,
        correlationId: worst(256),
        queryIds: Array.from({ length: 100 }, () => "q".repeat(256)),
        summary,
        delivery,
      }),
      organized: size(DetailType.ReportOrganized, {
        ...REPORT_ORGANIZED_EXAMPLE,
        jobId,
        correlationId: worst(256),
        delivery,
      }),
      failed: size(DetailType.ReportFailed, {
        ...REPORT_FAILED_EXAMPLE,
        jobId,
        correlationId: worst(256),
        error: {
          code: "C".repeat(128),
          message: worst(4096),
          retryable: true,
          queryIds: Array(20).fill("q".repeat(256)),
        },
        delivery,
      }),
      rejected: size(DetailType.ReportRejected, {
        ...REPORT_REJECTED_EXAMPLE,
        jobId,
        correlationId: worst(256),
        reason: worst(L.reasonChars),
        issues: Array.from({ length: L.rejectionIssues }, () => ({
          field: worst(L.issueFieldChars),
          message: worst(L.issueMessageChars),
        })),
        body: worst(REJECTED_BODY_MAX_BYTES),
        bodyTruncated: true,
      }),
      notified: size(DetailType.ReportNotified, {
        ...REPORT_NOTIFIED_EXAMPLE,
        jobId,
        correlationId: worst(256),
        channels: [
          { channel: "sns", outcome: "delivered", detail: worst(L.channelDetailChars) },
          { channel: "webhook", outcome: "failed", detail: worst(L.channelDetailChars) },
        ],
      }),
    };

    for (const [name, bytes] of Object.entries(sizes)) {
      expect(bytes, `${name}: ${bytes} bytes`).toBeLessThan(PUT_EVENTS_MAX_BYTES / 2);
    }
  });

  it("a summary over the budget is refused by the contract (the worker replaces it)", () => {
    expect(() =>
      parseReportEvent(DetailType.ReportGenerated, {
        ...REPORT_GENERATED_EXAMPLE,
        summary: { note: worst(2000) },
      }),
    ).toThrow(/summary/);
  });
});
