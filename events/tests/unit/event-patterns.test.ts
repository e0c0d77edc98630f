import { describe, expect, it } from "vitest";
import { ValidationError } from "#events/errors.js";
import { matchesReportEventPattern, reportEventPattern } from "#events/event-patterns.js";
import { ALL_DETAIL_TYPES, DetailType, EVENT_SOURCE } from "#events/names.js";
import { REPORT_EVENT_EXAMPLES } from "#events/report-events.schema.js";
import { buildTopology } from "#events/topology.js";

const eventOf = (dt: DetailType) => ({
  source: EVENT_SOURCE,
  "detail-type": dt,
  detail: REPORT_EVENT_EXAMPLES[dt],
});

function rejection(filter: Parameters<typeof reportEventPattern>[0]): ValidationError {
  try {
    reportEventPattern(filter);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be refused`);
}

describe("reportEventPattern", () => {
  it("matches every pipeline event without a filter, and only the pipeline's source", () => {
    expect(reportEventPattern()).toEqual({ source: [EVENT_SOURCE] });
  });

  it("filters on detail-type, report type and job id", () => {
    expect(
      reportEventPattern({
        detailTypes: ["ReportGenerated", "ReportFailed"],
        reportTypes: ["sales"],
        jobIds: ["J1"],
      }),
    ).toEqual({
      source: [EVENT_SOURCE],
      "detail-type": ["ReportGenerated", "ReportFailed"],
      detail: { reportType: ["sales"], jobId: ["J1"] },
    });
  });

  it("is what the pipeline's own rules use", () => {
    const t = buildTopology({ prefix: "rp-x" });
    expect(t.consumers.organizer.rule.pattern).toEqual(
      reportEventPattern({ detailTypes: ["ReportGenerated"] }),
    );
    expect(t.consumers.auditor.rule.pattern).toEqual(reportEventPattern());
  });

  it("refuses an unknown detail-type, report type or job id, naming the entry", () => {
    expect(rejection({ detailTypes: ["ReportGenerated", "ReportMade" as DetailType] }).fields).toEqual([
      "detailTypes[1]",
    ]);
    expect(rejection({ reportTypes: ["nope" as "sales"] }).message).toMatch(
      /^reportTypes\[0\]: must be one of sales/,
    );
    expect(rejection({ jobIds: ["../x"] }).fields).toEqual(["jobIds[0]"]);
    expect(rejection({ detailTypes: [] }).fields).toEqual(["detailTypes"]);
  });

  it("matchesReportEventPattern selects exactly the events of the pattern's detail-types and report types", () => {
    const pattern = reportEventPattern({
      detailTypes: [DetailType.ReportGenerated, DetailType.ReportFailed],
    });
    expect(ALL_DETAIL_TYPES.filter((dt) => matchesReportEventPattern(pattern, eventOf(dt)))).toEqual([
      "ReportGenerated",
      "ReportFailed",
    ]);
    expect(
      matchesReportEventPattern(pattern, { ...eventOf("ReportGenerated"), source: "someone.else" }),
    ).toBe(false);
    const sales = reportEventPattern({ reportTypes: ["customer_analysis"] });
    expect(matchesReportEventPattern(sales, eventOf("ReportGenerated"))).toBe(false);
  });
});
