/**
 * What a report is: typed parameters (from the job contract), its SQL files, and an assembler that turns
 * query results into the report document. Domain code: it talks to the warehouse only through the port.
 */
import type { z } from "zod";
import type { ReportParameters, ReportType } from "#events/report-job.schema.js";
import { exactNumber } from "./exact-number.js";
import type { NamedBinds } from "./sql-template.js";
import type { Row, Warehouse } from "./warehouse.port.js";

/** Runs report SQL files (named binds) against the warehouse, recording query ids and the job's tag. */
export interface ReportQueries {
  /** All rows of `sql/reports/<file>.sql` (small results: summaries, short sections). */
  all(file: string, binds: NamedBinds): Promise<Row[]>;
  /** One row (summaries); an assembly error when the query returns none. */
  one(file: string, binds: NamedBinds): Promise<Row>;
  /** The generation time of the report (for freshness checks: never the warehouse clock). */
  readonly generatedAt: Date;
  readonly warehouse: Warehouse;
}

/** A tabular section of the report: rows already fetched, or a query streamed while rendering. */
export type Section =
  | { name: string; rows: readonly Row[] }
  | { name: string; file: string; binds: NamedBinds; stream: true };

export interface ReportPlan {
  summary: Record<string, unknown>;
  /** The first section is the primary table: what CSV, NDJSON and Parquet exports contain. */
  sections: Section[];
  /**
   * Shape of the document's `data`: `"rows"` = the rows of the single section; `"sections"` =
   * `[{ section, rows }, …]` for reports with several tables.
   */
  data: "rows" | "sections";
}

export interface ReportDefinition<T extends ReportType = ReportType> {
  type: T;
  /** `report_type` in the document, e.g. "Customer Analysis Report". */
  title: string;
  parameters: z.ZodType<ReportParameters<T>, unknown>;
  plan(parameters: ReportParameters<T>, queries: ReportQueries): Promise<ReportPlan>;
}

/**
 * A warehouse number for the document: a number, or the exact decimal string the adapters give for a value
 * no JS number holds exactly (see exact-number.ts); null for null or anything not a number.
 */
export function num(value: unknown): number | string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return exactNumber(value.toString()) ?? null;
  if (typeof value === "string") return exactNumber(value) ?? null;
  return null;
}

/** A count from the warehouse (always an integer within 2^53 here), for arithmetic; 0 for null. */
export function count(value: unknown): number {
  const n = num(value);
  return typeof n === "number" ? n : Number(n ?? 0);
}

/** Filter binds: a 0/1 switch plus the list (so an absent filter and an empty list never match wrongly). */
export function listFilter(values: readonly string[] | undefined): { on: number; values: readonly string[] } {
  return values === undefined || values.length === 0 ? { on: 0, values: [] } : { on: 1, values };
}
