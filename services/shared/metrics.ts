/**
 * CloudWatch Embedded Metric Format: one JSON line on stdout per measurement set; the awslogs driver ships
 * it and CloudWatch extracts the metrics (no API calls, no agent).
 */
export interface MetricSet {
  namespace?: string;
  dimensions: Record<string, string>;
  metrics: Record<string, { value: number; unit: "Milliseconds" | "Count" | "Bytes" | "None" }>;
  /** Extra properties searchable in Logs Insights (not metrics), e.g. jobId. */
  properties?: Record<string, unknown>;
}

export function emfLine(set: MetricSet, now = Date.now()): string {
  const namespace = set.namespace ?? "ReportPipeline";
  const values = Object.fromEntries(Object.entries(set.metrics).map(([name, m]) => [name, m.value]));
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(set.dimensions)],
          Metrics: Object.entries(set.metrics).map(([name, m]) => ({ Name: name, Unit: m.unit })),
        },
      ],
    },
    ...set.dimensions,
    ...values,
    ...set.properties,
  });
}

export function emitMetrics(
  set: MetricSet,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
) {
  write(emfLine(set));
}
