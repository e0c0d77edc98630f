/** `connectivity_test`: a warehouse round-trip with version, database and latency. */
import { ConnectivityTestParametersSchema } from "#events/report-job.schema.js";
import { num, type ReportDefinition } from "./report-definition.js";

export const connectivityTestReport: ReportDefinition<"connectivity_test"> = {
  type: "connectivity_test",
  title: "Connectivity Test Report",
  parameters: ConnectivityTestParametersSchema,
  async plan(_p, q) {
    const started = performance.now();
    await q.warehouse.ping();
    const pingMs = performance.now() - started;
    const queryStarted = performance.now();
    const row = await q.one("connectivity_test", {});
    const queryMs = performance.now() - queryStarted;
    const round = (ms: number) => Math.round(ms * 100) / 100;
    const result = {
      status: num(row.ok) === 1 ? "connected" : "unexpected response",
      warehouse_version: row.warehouse_version ?? null,
      database: row.database_name ?? null,
      reporting_readable: num(row.reporting_readable) === 1,
      ping_latency_ms: round(pingMs),
      query_latency_ms: round(queryMs),
    };
    return { summary: { ...result }, sections: [{ name: "connectivity", rows: [result] }], data: "rows" };
  },
};
