/**
 * Job ids the pipeline derives itself (a Snowflake row, a schedule's run), keyed with the project's secret:
 * `<kind>-<label>-<HMAC-SHA256(key, canonical identity), 32 hex>`. The same identity always gives the same
 * id, so a retried batch or a re-run backfill maps to the jobs it already made; without the key nobody
 * outside can compute tomorrow's ids and claim them first (DESIGN.md "A job is its id plus its content").
 *
 * @example
 * ```ts
 * derivedJobId("sf", "sales", { reportType: "sales", day: "2025-08-03" }, key); // "sf-sales-3f2a…"
 * ```
 */
import { createHmac } from "node:crypto";
import { canonicalJson } from "./report-job-message.js";

/** Length of the hash part of a derived id (hex characters). */
export const DERIVED_HASH_LENGTH = 32;
/** Longest label kept in a derived id (it stays a valid jobId: at most 128 characters). */
export const DERIVED_LABEL_MAX = 40;

/** `<kind>-<label>-<hmac>`; the label loses characters a jobId may not hold and is cut to 40. */
export function derivedJobId(kind: string, label: string, identity: unknown, key: string): string {
  const hash = createHmac("sha256", key)
    .update(canonicalJson(identity))
    .digest("hex")
    .slice(0, DERIVED_HASH_LENGTH);
  const safeLabel = label.replace(/[^A-Za-z0-9_-]/g, "").slice(0, DERIVED_LABEL_MAX) || "report";
  return `${kind}-${safeLabel}-${hash}`;
}
