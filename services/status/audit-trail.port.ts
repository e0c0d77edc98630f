/**
 * What job status and replay need from storage (their ports; S3 adapters: s3-audit-trail.ts). Both are
 * deliberately dumb, so everything that decides (which names are audit records, the bounds, parsing and
 * validating a record, folding documents) lives in the domain files and is unit-tested without S3.
 */

/** The audit trail the auditor writes, read back. */
export interface AuditTrail {
  /** Where the trail lives, prefixed to keys in error messages (e.g. `s3://bucket/`). */
  readonly location: string;
  /** Every object key under `prefix`, in key order, page by page (the caller stops when it has enough). */
  keys(prefix: string): AsyncIterable<string>;
  /** The object's body as text. */
  text(key: string): Promise<string>;
}

/** The small JSON documents replay rebuilds (daily index manifests, latest pointers). */
export interface JsonDocuments {
  /** The document's current value; undefined when it does not exist. */
  read<T>(key: string): Promise<T | undefined>;
  /**
   * Applies `change` to the document under optimistic concurrency (a concurrent writer loses nothing);
   * `change` returns undefined to leave it as it is. True when it wrote.
   */
  update<T>(key: string, change: (current: T | undefined) => T | undefined): Promise<boolean>;
}
