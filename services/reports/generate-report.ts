/**
 * The entry point the worker calls: validates the job's report type (allowlist) and parameters, runs the
 * report's queries through the warehouse port (every query tagged with the job id), and returns the rendered
 * report to upload: a byte stream rendered in JS, or, for a tabular export (CSV, NDJSON, Parquet) of a
 * warehouse query on a warehouse that writes files itself (DuckDB), a `file` report the warehouse writes
 * straight into the caller's spool file. Summary queries run before this resolves (so most warehouse errors
 * surface here); the primary table is streamed from the warehouse while `body` is consumed (or written by
 * `writeTo`).
 *
 * @example
 * const report = await generateReport(job, warehouse, { generatedAt: new Date() });
 * if (report.kind === "file") await report.writeTo(spoolPath);
 * else await spool(report.body);                   // consumes the stream once
 * const { rowCount, summary, queryIds } = report.stats();
 */
import {
  REPORT_CONTENT_TYPES,
  REPORT_FORMATS,
  type ReportFormat,
  type ReportJob,
} from "#events/report-job.schema.js";
import { findReport } from "./catalog.js";
import { InvalidParametersError, ReportAssemblyError, UnknownReportTypeError } from "./errors.js";
import { type DocumentData, type RowSource, renderCsv, renderJsonDocument, renderNdjson } from "./render.js";
import { renderParquet } from "./render-parquet.js";
import type { ReportQueries, Section } from "./report-definition.js";
import { readSql } from "./sql-files.js";
import { type NamedBinds, renderSql } from "./sql-template.js";
import {
  type ColumnInfo,
  type QueryOptions,
  type Row,
  statementResumeKey,
  type Warehouse,
} from "./warehouse.port.js";

interface ReportFacts {
  contentType: string; // REPORT_CONTENT_TYPES
  extension: ReportFormat;
  /** Valid once the body has been fully consumed (or the file written). */
  stats(): { rowCount: number; summary: Record<string, unknown>; queryIds: string[] };
}

/** Rendered in JS as a byte stream, for the caller to spool. */
export interface StreamedReport extends ReportFacts {
  kind: "stream";
  body: AsyncIterable<Uint8Array>; // streamed, consumed once
}

/**
 * Rendered by the warehouse itself (`Warehouse.exportToFile`: DuckDB's COPY) straight into a local file the
 * caller names, its spool file; there is no byte stream to spool again. `writeTo` may be called once; on a
 * failure the file may be partly written and the caller removes it.
 */
export interface FileReport extends ReportFacts {
  kind: "file";
  writeTo(path: string): Promise<void>;
}

export type GeneratedReport = StreamedReport | FileReport;

export interface GenerateReportOptions {
  generatedAt: Date;
  /** Per-statement timeout passed to the warehouse. */
  timeoutMs?: number;
}

function reportSql(file: string, binds: NamedBinds): { sql: string; binds: unknown[] } {
  if (!/^[a-z_]+$/.test(file)) throw new ReportAssemblyError(`bad report SQL file name ${file}`);
  return renderSql(readSql(`reports/${file}.sql`), binds);
}

export async function generateReport(
  job: ReportJob,
  warehouse: Warehouse,
  options: GenerateReportOptions,
): Promise<GeneratedReport> {
  const definition = findReport(job.reportType);
  if (definition === undefined) throw new UnknownReportTypeError(job.reportType);

  const format = (job.format ?? "json") as ReportFormat;
  if (!REPORT_FORMATS.includes(format))
    throw new InvalidParametersError(`format: must be one of ${REPORT_FORMATS.join(", ")}`, {
      fields: ["format"],
    });

  const parsed = definition.parameters.safeParse(job.parameters ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const field = ["parameters", ...issue.path.map(String)].join(".");
      return { field, line: `${field}: ${issue.message}` };
    });
    throw new InvalidParametersError(
      `invalid parameters for ${definition.type}: ${issues.map((i) => i.line).join("; ")}`,
      { fields: issues.map((i) => i.field), cause: parsed.error },
    );
  }
  const parameters = parsed.data;

  const queryIds: string[] = [];
  const queryOptions: QueryOptions = { tag: job.jobId };
  if (options.timeoutMs !== undefined) queryOptions.timeoutMs = options.timeoutMs;

  const queries: ReportQueries = {
    generatedAt: options.generatedAt,
    warehouse,
    async all(file, binds) {
      const rendered = reportSql(file, binds);
      const result = await warehouse.query(rendered.sql, rendered.binds, {
        ...queryOptions,
        resumeKey: statementResumeKey(job.jobId, file, rendered.sql, rendered.binds),
      });
      queryIds.push(result.queryId);
      return result.rows;
    },
    async one(file, binds) {
      const rows = await this.all(file, binds);
      const row = rows[0];
      if (row === undefined) throw new ReportAssemblyError(`${file}.sql returned no row`);
      return row;
    },
  };

  const plan = await definition.plan(parameters, queries);
  const primary = plan.sections[0];
  if (primary === undefined) throw new ReportAssemblyError(`${definition.type} has no data section`);

  let rowCount = 0;
  let primaryColumns: (() => readonly ColumnInfo[] | undefined) | undefined;
  const sectionRows = (section: Section, counted: boolean): RowSource => {
    async function* rows(): AsyncGenerator<Row> {
      if ("rows" in section) {
        for (const row of section.rows) {
          if (counted) rowCount += 1;
          yield row;
        }
        return;
      }
      const rendered = reportSql(section.file, section.binds);
      const stream = warehouse.stream(rendered.sql, rendered.binds, {
        ...queryOptions,
        resumeKey: statementResumeKey(job.jobId, section.file, rendered.sql, rendered.binds),
      });
      if (counted) primaryColumns = () => stream.columns?.();
      let idRecorded = false;
      const recordId = async () => {
        if (idRecorded) return;
        idRecorded = true;
        queryIds.push(await stream.queryId());
      };
      for await (const row of stream) {
        if (!idRecorded) await recordId();
        if (counted) rowCount += 1;
        yield row;
      }
      await recordId();
    }
    return rows();
  };

  const facts = {
    contentType: REPORT_CONTENT_TYPES[format],
    extension: format,
    stats: () => ({ rowCount, summary: plan.summary, queryIds: [...queryIds] }),
  };

  // A tabular export of a warehouse query the warehouse can write itself: no rows pass through JS.
  const exportToFile = warehouse.exportToFile?.bind(warehouse);
  if (format !== "json" && exportToFile !== undefined && "file" in primary) {
    const rendered = reportSql(primary.file, primary.binds);
    let written = false;
    return {
      kind: "file",
      ...facts,
      async writeTo(path) {
        if (written) throw new ReportAssemblyError("a file report can be written once");
        written = true;
        const result = await exportToFile(
          rendered.sql,
          rendered.binds,
          { path, format },
          {
            ...queryOptions,
            resumeKey: statementResumeKey(job.jobId, primary.file, rendered.sql, rendered.binds),
          },
        );
        queryIds.push(result.queryId);
        rowCount = result.rowCount;
      },
    };
  }

  let body: AsyncIterable<Uint8Array>;
  if (format === "json") {
    const data: DocumentData =
      plan.data === "rows"
        ? { kind: "rows", rows: sectionRows(primary, true) }
        : {
            kind: "sections",
            sections: plan.sections.map((s, i) => ({ section: s.name, rows: sectionRows(s, i === 0) })),
          };
    body = renderJsonDocument(
      {
        report_type: definition.title,
        job_id: job.jobId,
        generated_at: options.generatedAt.toISOString(),
        parameters,
        summary: plan.summary,
      },
      data,
    );
  } else if (format === "csv") {
    body = renderCsv(sectionRows(primary, true));
  } else if (format === "parquet") {
    body = renderParquet(sectionRows(primary, true), () => primaryColumns?.());
  } else {
    body = renderNdjson(sectionRows(primary, true));
  }

  let consumed = false;
  const once: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      if (consumed) throw new ReportAssemblyError("report body can be consumed once");
      consumed = true;
      return body[Symbol.asyncIterator]();
    },
  };

  return { kind: "stream", ...facts, body: once };
}
