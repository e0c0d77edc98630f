/**
 * The operators' CloudWatch dashboard: alarm states, the jobs queue (depth, age of the oldest job), every
 * DLQ, the worker's outcomes and report durations from its EMF metrics, and each consumer's lag.
 *
 * Queues come from the topology and metric names from `WORKER_METRICS`, the constants the worker emits
 * with, so a queue added to the topology or a renamed metric shows up here without an edit.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { consumersOf, type Topology } from "#events/topology.js";
import { METRICS_NAMESPACE, WORKER_METRICS, type WorkerOutcome } from "#services/shared/metrics.js";

export interface DashboardArgs {
  dashboardName: string;
  topology: Topology;
  /** The stack's region: a metric widget without one shows the console's current region instead. */
  region: string;
  /** Alarms whose state the dashboard shows on top. */
  alarmArns: pulumi.Input<string>[];
  /** The alarms' thresholds, drawn as lines so a graph shows how close it is to paging. */
  dlqDepthThreshold: number;
  oldestJobAgeSeconds: number;
}

/** A widget's metric row: namespace, name, dimension name/value pairs, then the rendering options. */
type MetricRow = (string | Record<string, unknown>)[];

interface Widget {
  type: "metric" | "alarm";
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const SQS = "AWS/SQS";
const DEPTH = "ApproximateNumberOfMessagesVisible";
const IN_FLIGHT = "ApproximateNumberOfMessagesNotVisible";
const OLDEST_AGE = "ApproximateAgeOfOldestMessage";

/** Labels an operator reads; the outcome value stays visible so it can be matched with logs and alarms. */
const OUTCOME_LABELS: Record<WorkerOutcome, string> = {
  generated: "succeeded (generated)",
  failed: "failed (not retryable)",
  "dead-lettered": "failed (dead-lettered)",
  rejected: "rejected (not a valid job)",
  retrying: "retrying",
};

/** The console address of a dashboard; the partition decides the console's host. */
export function dashboardUrl(region: string, name: string): string {
  const host = region.startsWith("us-gov-")
    ? "console.amazonaws-us-gov.com"
    : region.startsWith("cn-")
      ? "console.amazonaws.cn"
      : "console.aws.amazon.com";
  return `https://${host}/cloudwatch/home?region=${region}#dashboards/dashboard/${encodeURIComponent(name)}`;
}

export class PipelineDashboard extends pulumi.ComponentResource {
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:PipelineDashboard", name, {}, opts);
    const { topology, region } = args;
    const consumers = consumersOf(topology);
    const queue = (metric: string, queueName: string, label: string): MetricRow => [
      SQS,
      metric,
      "QueueName",
      queueName,
      { label },
    ];
    const worker = (metric: string, outcome: WorkerOutcome, options: Record<string, unknown>): MetricRow => [
      METRICS_NAMESPACE,
      metric,
      WORKER_METRICS.dimensions.service,
      WORKER_METRICS.service,
      WORKER_METRICS.dimensions.outcome,
      outcome,
      options,
    ];
    const graph = (
      title: string,
      metrics: MetricRow[],
      options: { stat: string; period?: number; threshold?: { value: number; label: string } },
    ): Widget => ({
      type: "metric",
      width: 12,
      height: 6,
      properties: {
        title,
        region,
        view: "timeSeries",
        stacked: false,
        stat: options.stat,
        period: options.period ?? 60,
        metrics,
        ...(options.threshold ? { annotations: { horizontal: [options.threshold] } } : {}),
      },
    });

    const widgets: Widget[] = [
      graph(
        "Jobs queue: messages waiting and in flight",
        [
          queue(DEPTH, topology.jobs.queueName, "waiting"),
          queue(IN_FLIGHT, topology.jobs.queueName, "in flight (being worked on)"),
        ],
        { stat: "Maximum" },
      ),
      graph(
        "Jobs queue: age of the oldest job (s)",
        [queue(OLDEST_AGE, topology.jobs.queueName, "oldest job")],
        { stat: "Maximum", threshold: { value: args.oldestJobAgeSeconds, label: "alarm" } },
      ),
      graph(
        "Dead letters per DLQ",
        [
          ...[topology.jobs, ...consumers].map((q) => queue(DEPTH, q.dlqName, q.dlqName)),
          // The worker's DLQ sweeper reads the jobs DLQ and hides what it read for a long while, so its
          // dead letters leave the visible count (and the alarm clears) although they are still there.
          queue(IN_FLIGHT, topology.jobs.dlqName, `${topology.jobs.dlqName} (hidden: read by the sweeper)`),
        ],
        { stat: "Maximum", threshold: { value: args.dlqDepthThreshold, label: "alarm" } },
      ),
      graph(
        "Job attempts by outcome",
        WORKER_METRICS.outcomes.map((o) =>
          worker(WORKER_METRICS.names.jobs, o, { label: OUTCOME_LABELS[o] }),
        ),
        { stat: "Sum", period: 300 },
      ),
      // Percentiles cannot be combined across outcomes, and only a generated report's duration is the
      // time a user waits for a report, so p50/p95 are of the generated attempts.
      graph(
        "Report duration, generated (ms)",
        [
          worker(WORKER_METRICS.names.duration, "generated", { stat: "p50", label: "p50" }),
          worker(WORKER_METRICS.names.duration, "generated", { stat: "p95", label: "p95" }),
        ],
        { stat: "p50", period: 300 },
      ),
      graph(
        "Consumer lag: age of the oldest event (s)",
        consumers.map((c) => queue(OLDEST_AGE, c.queueName, c.id)),
        { stat: "Maximum" },
      ),
      graph(
        "Consumer backlog: events waiting",
        consumers.map((c) => queue(DEPTH, c.queueName, c.id)),
        { stat: "Maximum" },
      ),
    ];

    const body = pulumi
      .all(args.alarmArns)
      .apply((alarms) => JSON.stringify({ widgets: layout([alarmsWidget(alarms), ...widgets]) }));
    this.dashboard = new aws.cloudwatch.Dashboard(
      name,
      { dashboardName: args.dashboardName, dashboardBody: body },
      { parent: this },
    );
    this.url = this.dashboard.dashboardName.apply((n) => dashboardUrl(region, n));

    this.registerOutputs({ dashboardName: this.dashboard.dashboardName, url: this.url });
  }
}

function alarmsWidget(alarms: string[]): Widget {
  return {
    type: "alarm",
    width: 24,
    height: 3,
    properties: { title: "Alarms", alarms, sortBy: "stateUpdatedTimestamp" },
  };
}

/** Places widgets left to right on the dashboard's 24-column grid, wrapping to a new row when full. */
function layout(widgets: Widget[]) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return widgets.map((w) => {
    if (x + w.width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { ...w, x, y };
    x += w.width;
    rowHeight = Math.max(rowHeight, w.height);
    return placed;
  });
}
