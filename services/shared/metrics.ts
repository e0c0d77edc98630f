/**
 * CloudWatch Embedded Metric Format: one JSON line on stdout per measurement set; the awslogs driver ships
 * it and CloudWatch extracts the metrics (no API calls, no agent).
 */
/** Namespace of every metric set that names none; the alarms and the dashboard in `infra/` read it here. */
export const METRICS_NAMESPACE = "ReportPipeline";

/**
 * The metric set the worker emits once per finished job attempt (`services/worker/process-job.ts`), under
 * the default namespace. Defined here, not in the worker, because CloudWatch alarms and the dashboard
 * (`infra/`) query these exact strings: one definition keeps emitter and readers from drifting apart.
 */
export const WORKER_METRICS = {
  /** Value of the `Service` dimension. */
  service: "report-worker",
  dimensions: { service: "Service", outcome: "Outcome" },
  names: { jobs: "Jobs", duration: "JobDuration", rows: "JobRows", bytes: "JobBytes" },
  /** Values of the `Outcome` dimension: how an attempt ended. */
  outcomes: ["generated", "rejected", "failed", "dead-lettered", "retrying"],
} as const;
export type WorkerOutcome = (typeof WORKER_METRICS.outcomes)[number];

export interface MetricSet {
  namespace?: string;
  dimensions: Record<string, string>;
  metrics: Record<string, { value: number; unit: "Milliseconds" | "Count" | "Bytes" | "None" }>;
  /** Extra properties searchable in Logs Insights (not metrics), e.g. jobId. */
  properties?: Record<string, unknown>;
}

export function emfLine(set: MetricSet, now = Date.now()): string {
  const namespace = set.namespace ?? METRICS_NAMESPACE;
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
