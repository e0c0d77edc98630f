import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Parser } from "@asyncapi/parser";
import { describe, expect, it } from "vitest";
import { asyncApiDocument, GENERATED_DIR, renderDocs, staleDocs } from "#events/generate-docs.js";
import { ALL_DETAIL_TYPES } from "#events/names.js";
import { jobOfScheduledRun, parseSchedule } from "#events/schedule.schema.js";

const ERROR = 0; // DiagnosticSeverity.Error

async function parse(text: string) {
  const { document, diagnostics } = await new Parser().parse(text);
  return { document, errors: diagnostics.filter((d) => d.severity === ERROR) };
}

describe("generated docs", () => {
  it("the committed files are what `npm run docs:generate` produces now", () => {
    const stale = staleDocs();

    expect(stale, "events/generated is stale: run `npm run docs:generate` and commit").toEqual([]);
  });

  it("the committed AsyncAPI document parses with the AsyncAPI parser without errors", async () => {
    const text = readFileSync(join(GENERATED_DIR, "asyncapi.json"), "utf8");

    const { document, errors } = await parse(text);

    expect(errors.map((e) => `${e.path.join(".")}: ${e.message}`)).toEqual([]);
    expect(document?.version()).toMatch(/^3\./);
    expect(
      document
        ?.channels()
        .all()
        .map((c) => c.id()),
    ).toEqual(
      expect.arrayContaining([
        "reportJobs",
        "reportEvents",
        "organizerQueue",
        "notifierQueue",
        "auditorQueue",
      ]),
    );
    const busMessages = document
      ?.channels()
      .get("reportEvents")
      ?.messages()
      .all()
      .map((m) => m.id());
    expect(busMessages?.sort()).toEqual([...ALL_DETAIL_TYPES].sort());
    const organizer = document
      ?.channels()
      .get("organizerQueue")
      ?.messages()
      .all()
      .map((m) => m.id());
    expect(organizer).toEqual(["ReportGenerated"]);
  });

  it("the parser check is real: a document with a dangling reference is reported", async () => {
    const doc = asyncApiDocument() as { channels: Record<string, { messages: Record<string, unknown> }> };
    doc.channels.reportJobs = {
      ...doc.channels.reportJobs,
      messages: { ReportJob: { $ref: "#/components/messages/Nope" } },
    };

    const { errors } = await parse(JSON.stringify(doc));

    expect(errors.length).toBeGreaterThan(0);
  });

  it("exports a JSON Schema for the job, the schedule and every event (and its registry form), each with a valid example", () => {
    const files = renderDocs();

    expect([...files.keys()].sort()).toEqual(
      [
        "asyncapi.json",
        "report-job.schema.json",
        "schedule.schema.json",
        ...ALL_DETAIL_TYPES.map((d) => `events/${d}.schema.json`),
        ...ALL_DETAIL_TYPES.map((d) => `registry/${d}.schema.json`),
      ].sort(),
    );
    const job = JSON.parse(files.get("report-job.schema.json") ?? "{}");
    expect(job.oneOf).toHaveLength(6);
    const generated = JSON.parse(files.get("events/ReportGenerated.schema.json") ?? "{}");
    expect(generated.required).toEqual(expect.arrayContaining(["eventId", "jobId", "sha256", "queryIds"]));
    expect(generated.examples).toHaveLength(1);
    const schedule = JSON.parse(files.get("schedule.schema.json") ?? "{}");
    expect(schedule.required).toEqual(expect.arrayContaining(["name", "expression", "timezone", "job"]));
    expect(parseSchedule(schedule.examples[0]).name).toBe("daily-sales");
  });

  it("the jobs channel carries scheduled runs beside jobs", () => {
    const doc = asyncApiDocument() as {
      channels: { reportJobs: { messages: Record<string, unknown> } };
      components: { messages: { ScheduledRun: { examples: { payload: unknown }[] } } };
    };

    expect(Object.keys(doc.channels.reportJobs.messages)).toEqual(["ReportJob", "ScheduledRun"]);
    const example = doc.components.messages.ScheduledRun.examples[0]?.payload;
    expect(jobOfScheduledRun(example, "k".repeat(32)).reportType).toBe("sales");
  });
});

describe("the Schema Registry documents", () => {
  /** Keywords JSON Schema added after draft-04: a JSONSchemaDraft4 document must not rely on them. */
  const LATER_KEYWORDS = new Set([
    "const",
    "$id",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "examples",
    "$defs",
  ]);
  const keywordsIn = (node: unknown, out: Set<string>, parentIsProperties = false): Set<string> => {
    if (Array.isArray(node)) for (const item of node) keywordsIn(item, out);
    else if (node && typeof node === "object")
      for (const [key, value] of Object.entries(node)) {
        if (!parentIsProperties) out.add(key);
        keywordsIn(value, out, key === "properties" && !parentIsProperties);
      }
    return out;
  };

  it.each(ALL_DETAIL_TYPES)("%s: a draft-04 schema of the whole event, using no later keyword", (dt) => {
    const doc = JSON.parse(renderDocs().get(`registry/${dt}.schema.json`) ?? "null");
    expect(doc.$schema).toBe("http://json-schema.org/draft-04/schema#");
    expect(doc.properties.source).toEqual({ type: "string", enum: ["report-pipeline.reports"] });
    expect([...keywordsIn(doc, new Set())].filter((k) => LATER_KEYWORDS.has(k))).toEqual([]);
  });
});
