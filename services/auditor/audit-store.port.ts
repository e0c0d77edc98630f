/** Where the auditor writes: immutable objects, first writer wins (the auditor's only port). */
export interface AuditStore {
  /** Writes `body` at `key` unless an object is there already; says which happened. */
  putOnce(key: string, body: string): Promise<"written" | "existed">;
}
