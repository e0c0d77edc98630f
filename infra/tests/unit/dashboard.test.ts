/**
 * The operators' dashboard under Pulumi mocks, read from the dashboard body CloudWatch would receive: every
 * queue the program creates is graphed, the worker's EMF metrics are queried by the names the worker emits
 * with, and every graph is in the stack's region.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { consumersOf, type Topology } from "#events/topology.js";
import { parseInfraConfig } from "#infra/config.js";
import { METRICS_NAMESPACE, WORKER_METRICS } from "#services/shared/metrics.js";
import { configInput } from "../fixtures/config.js";
import { installMocks, type MockRecorder } from "../support/pulumi-mocks.js";

// Mocks first, then the program (CONVENTIONS §8).
const mocks: MockRecorder = installMocks();
const { createPipeline } = await import("#infra/pipeline.js");

// Not the mocks' region, so a region taken from anywhere but the stack config shows.
const config = parseInfraConfig(configInput({ region: "us-east-2" }));
let topology: Topology;

interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { region?: string; metrics?: unknown[][]; alarms?: string[]; [k: string]: unknown };
}
/** One metric row of a widget, split into its parts. */
interface Row {
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  options: Record<string, unknown>;
}
let widgets: Widget[];
let rows: Row[];

function rowOf(raw: unknown[]): Row {
  const last = raw.at(-1);
  const options = typeof last === "object" && last !== null ? (last as Record<string, unknown>) : {};
  const [namespace, metric, ...pairs] = (options === last ? raw.slice(0, -1) : raw) as string[];
  const dimensions: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
  return { namespace: namespace ?? "", metric: metric ?? "", dimensions, options };
}

beforeAll(async () => {
  topology = createPipeline(config).topology;
  await mocks.settle();
  const dashboards = mocks.ofType("aws:cloudwatch/dashboard:Dashboard");
  expect(dashboards).toHaveLength(1);
  widgets = JSON.parse(dashboards[0]?.inputs.dashboardBody).widgets;
  rows = widgets.flatMap((w) => (w.properties.metrics ?? []).map(rowOf));
});

const sqs = (metric: string, queueName: string) =>
  rows.filter(
    (r) => r.namespace === "AWS/SQS" && r.metric === metric && r.dimensions.QueueName === queueName,
  );

describe("operators' dashboard", () => {
  it("graphs every queue the program creates: depth of each, age of the oldest message of each non-DLQ", () => {
    const queueNames = mocks.ofType("aws:sqs/queue:Queue").map((q) => q.inputs.name as string);
    const specs = [topology.jobs, ...consumersOf(topology)];
    const dlqNames = specs.map((s) => s.dlqName);
    // The dashboard reads the topology; a queue created outside it would go unseen.
    expect(queueNames.sort()).toEqual(specs.flatMap((s) => [s.queueName, s.dlqName]).sort());

    for (const name of queueNames) {
      expect(sqs("ApproximateNumberOfMessagesVisible", name), `depth of ${name}`).not.toHaveLength(0);
      if (!dlqNames.includes(name))
        expect(sqs("ApproximateAgeOfOldestMessage", name), `oldest message of ${name}`).not.toHaveLength(0);
    }
  });

  it("counts the worker's attempts by every outcome, in the namespace and names the worker emits", () => {
    const jobs = rows.filter(
      (r) => r.namespace === METRICS_NAMESPACE && r.metric === WORKER_METRICS.names.jobs,
    );
    expect(
      jobs.map((r) => r.dimensions).sort((a, b) => String(a.Outcome).localeCompare(String(b.Outcome))),
    ).toEqual(
      [...WORKER_METRICS.outcomes].sort().map((outcome) => ({
        [WORKER_METRICS.dimensions.service]: WORKER_METRICS.service,
        [WORKER_METRICS.dimensions.outcome]: outcome,
      })),
    );
    // A count graphed as an average would always read 1.
    const widget = widgets.find((w) =>
      w.properties.metrics?.some((m) => rowOf(m).metric === WORKER_METRICS.names.jobs),
    );
    expect(widget?.properties.stat).toBe("Sum");
  });

  it("shows p50 and p95 of the generated reports' duration", () => {
    const duration = rows.filter(
      (r) =>
        r.namespace === METRICS_NAMESPACE &&
        r.metric === WORKER_METRICS.names.duration &&
        r.dimensions[WORKER_METRICS.dimensions.service] === WORKER_METRICS.service &&
        r.dimensions[WORKER_METRICS.dimensions.outcome] === "generated",
    );
    expect(duration.map((r) => r.options.stat).sort()).toEqual(["p50", "p95"]);
  });

  it("puts every graph in the stack's region and shows the state of every alarm", () => {
    const graphs = widgets.filter((w) => w.type === "metric");
    expect(graphs.length).toBeGreaterThan(0);
    for (const w of graphs) expect(w.properties.region, String(w.properties.title)).toBe(config.region);

    const alarmArns = mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.state.arn);
    const shown = widgets.filter((w) => w.type === "alarm").flatMap((w) => w.properties.alarms ?? []);
    expect(shown.sort()).toEqual(alarmArns.sort());
  });

  it("lays widgets out on the 24-column grid without overlaps", () => {
    const cells = new Set<string>();
    for (const w of widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let dx = 0; dx < w.width; dx++)
        for (let dy = 0; dy < w.height; dy++) {
          const cell = `${w.x + dx},${w.y + dy}`;
          expect(cells.has(cell), `overlap at ${cell}`).toBe(false);
          cells.add(cell);
        }
    }
  });
});
