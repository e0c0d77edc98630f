/**
 * Fault injection at the warehouse adapter, for resilience tests and drills: wraps any Warehouse and adds
 * latency and retryable failures. Used by `faulty-worker.ts` when WAREHOUSE_FAULTS is set, e.g.
 *
 *   WAREHOUSE_FAULTS='{"delayMs":3000}'                 every query takes 3 s longer
 *   WAREHOUSE_FAULTS='{"failFirst":2}'                  the first 2 queries fail (retryable)
 *   WAREHOUSE_FAULTS='{"failRate":0.1,"seed":7}'        10 % of queries fail (retryable), reproducibly
 *
 * `ping` is never faulted, so health checks keep telling the truth about the real warehouse.
 */
import { z } from "zod";
import { parseWith } from "#events/report-job.schema.js";
import type { QueryOptions, Row, RowStream, Warehouse } from "#services/reports/warehouse.port.js";
import { WarehouseUnavailableError } from "#services/warehouse/errors.js";
import { prng } from "./prng.js";

export const WarehouseFaultsSchema = z.strictObject({
  delayMs: z.number().int().min(0).max(600_000).default(0),
  failFirst: z.number().int().min(0).default(0),
  failRate: z.number().min(0).max(1).default(0),
  seed: z.number().int().default(1),
});
export type WarehouseFaults = z.output<typeof WarehouseFaultsSchema>;

/** Parses WAREHOUSE_FAULTS; undefined when unset. Errors name the field. */
export function parseWarehouseFaults(raw: string | undefined): WarehouseFaults | undefined {
  if (!raw) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return parseWith(WarehouseFaultsSchema, "WAREHOUSE_FAULTS is not JSON", "WAREHOUSE_FAULTS");
  }
  return parseWith(WarehouseFaultsSchema, json, "WAREHOUSE_FAULTS");
}

export class FaultyWarehouse implements Warehouse {
  private calls = 0;
  private readonly random: () => number;
  /** Faults injected so far (for the test's accounting). */
  injected = 0;
  /** Present when the inner warehouse writes exports itself; faulted like a query. */
  readonly exportToFile?: NonNullable<Warehouse["exportToFile"]>;

  constructor(
    private readonly inner: Warehouse,
    private readonly faults: WarehouseFaults,
  ) {
    this.random = prng(faults.seed);
    const exportToFile = inner.exportToFile?.bind(inner);
    if (exportToFile !== undefined)
      this.exportToFile = async (sql, binds, target, options) => {
        await this.before();
        return exportToFile(sql, binds, target, options);
      };
  }

  private async before(): Promise<void> {
    this.calls += 1;
    if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
    const fail = this.calls <= this.faults.failFirst || this.random() < this.faults.failRate;
    if (fail) {
      this.injected += 1;
      throw new WarehouseUnavailableError(`injected warehouse fault #${this.injected}`, {
        code: "WAREHOUSE_FAULT_INJECTED",
      });
    }
  }

  async query(sql: string, binds?: readonly unknown[], options?: QueryOptions) {
    await this.before();
    return this.inner.query(sql, binds, options);
  }

  stream(sql: string, binds?: readonly unknown[], options?: QueryOptions): RowStream {
    let innerStream: RowStream | undefined;
    const started = (async () => {
      await this.before();
      innerStream = this.inner.stream(sql, binds, options);
      return innerStream;
    })();
    return {
      async queryId() {
        return (await started).queryId();
      },
      columns: () => innerStream?.columns?.(),
      async *[Symbol.asyncIterator](): AsyncIterator<Row> {
        yield* await started;
      },
    };
  }

  ping() {
    return this.inner.ping();
  }

  close() {
    return this.inner.close();
  }
}
