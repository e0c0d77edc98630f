/**
 * fast-check generators of job-queue payloads for the bad-input suite: valid jobs (mostly
 * connectivity_test, some of every type), jobs with exactly one field wrong, non-objects, non-JSON text,
 * bodies near the SQS size limit, odd Unicode and injection strings in every string field.
 *
 * A payload is data (printable, replayable with a seed): either a JSON `value` whose top-level `jobId` may
 * be the {@link JOB_ID} placeholder (the test puts a unique id there, so terminal events match one
 * payload), or a `raw` body string. `field` is the field an error must name when the payload is invalid.
 */
import fc from "fast-check";
import { SCHEMA_VERSION } from "#events/names.js";
import { REPORT_FORMATS, REPORT_TYPES } from "#events/report-job.schema.js";

/** Placeholder for a unique jobId chosen by the test at send time. */
export const JOB_ID = "@@JOB_ID@@";

export interface Payload {
  /** Category used for counting, e.g. `valid:sales`, `invalid:parameters.to`, `not-json`, `huge`. */
  kind: string;
  /** The field an error about this payload must name (`(body)` for non-JSON, `(root)` for non-objects). */
  field?: string;
  value?: unknown;
  raw?: string;
}

/** The body to send: `raw`, or `value` as JSON with the placeholder jobId replaced. */
export function render(p: Payload, jobId: string): string {
  if (p.raw !== undefined) return p.raw;
  const v = p.value;
  if (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    (v as { jobId?: unknown }).jobId === JOB_ID
  ) {
    return JSON.stringify({ ...(v as object), jobId });
  }
  return JSON.stringify(v);
}

export const INJECTIONS = [
  "'; DROP TABLE x; --",
  '" OR 1=1 --',
  "1; SELECT * FROM information_schema.tables",
  "{{7*7}}",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the point
  "${7*7}",
  "#{7*7}",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the point
  "${jndi:ldap://127.0.0.1:1389/a}",
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "../x",
  "../../../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "%2e%2e%2f%2e%2e%2f",
  "$(id)",
  "`id`",
  "| cat /etc/passwd",
  "\r\nX-Injected: 1",
  "%s%s%s%n",
  "__proto__",
  "constructor",
  "s3://other-bucket/key",
  "COPY (SELECT 1) TO '/tmp/x.csv'",
  "ATTACH '/tmp/x.db' AS x",
];

/** Code points that trip parsers, terminals, XML (SQS) or UTF-8 encoders. */
export const ODD_UNICODE = [
  "\u0000",
  "\u0001",
  "\u0008",
  "\u001b[31m",
  "\u007f",
  "\ud800", // lone high surrogate
  "\udfff", // lone low surrogate
  "\u202e", // right-to-left override
  "\u200f", // right-to-left mark
  "\u200b", // zero-width space
  "\u200d", // zero-width joiner
  "\ufeff", // BOM
  "\ufffe", // noncharacter (outside the SQS allowed set)
  "\uffff",
  "😀",
  "👩‍👩‍👧‍👦",
  "e\u0301",
  "中文",
  "עברית",
  "مرحبا",
  "\t",
  "\n",
  "\r",
  "'",
  '"',
  "\\",
  "/",
  " ",
];

const alnum = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);

/** A string built from odd Unicode, injection strings, the given secrets and plain text; 1..maxLen units. */
export function interestingString(secrets: readonly string[], maxLen = 256): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ODD_UNICODE) },
    { weight: 2, arbitrary: fc.constantFrom(...INJECTIONS) },
    { weight: 3, arbitrary: alnum },
    { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 6 }) },
    ...(secrets.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...secrets) }] : []),
  );
  return fc
    .oneof(
      { weight: 2, arbitrary: fc.constantFrom(...INJECTIONS) },
      ...(secrets.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...secrets) }] : []),
      {
        weight: 6,
        arbitrary: fc.array(piece, { minLength: 1, maxLength: 6 }).map((parts) => parts.join("")),
      },
    )
    .map((s) => (s.length > maxLen ? s.slice(0, maxLen) : s) || "x");
}

const day = 86_400_000;
const date = fc
  .integer({ min: Date.UTC(2024, 0, 1) / day, max: Date.UTC(2025, 11, 31) / day })
  .map((d) => new Date(d * day).toISOString().slice(0, 10));
const range = fc.tuple(date, date).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a }));
const requestedAt = fc
  .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2026, 0, 1) })
  .chain((ms) =>
    fc.constantFrom(
      new Date(ms).toISOString(),
      new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"),
      new Date(ms).toISOString().replace("Z", "+02:00"),
    ),
  );
const limit = fc.integer({ min: 1, max: 10_000 });

function parametersFor(type: string, s: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  const filters = fc.array(
    s.map((x) => x.slice(0, 100) || "x"),
    { maxLength: 5 },
  );
  switch (type) {
    case "sales":
      return fc
        .tuple(
          range,
          fc.record(
            {
              granularity: fc.constantFrom("day", "week", "month"),
              regions: filters,
              categories: filters,
              limit,
            },
            { requiredKeys: [] },
          ),
        )
        .map(([r, rest]) => ({ ...r, ...rest }));
    case "customer_analysis":
      return fc
        .tuple(
          range,
          fc.record(
            {
              tiers: fc.uniqueArray(fc.constantFrom("Enterprise", "Premium", "Standard"), { minLength: 1 }),
              limit,
            },
            { requiredKeys: [] },
          ),
        )
        .map(([r, rest]) => ({ ...r, ...rest }));
    case "product_performance":
      return fc
        .tuple(range, fc.record({ categories: filters, limit }, { requiredKeys: [] }))
        .map(([r, rest]) => ({ ...r, ...rest }));
    case "executive_dashboard":
      return fc
        .tuple(
          range,
          fc.record({ granularity: fc.constantFrom("day", "week", "month") }, { requiredKeys: [] }),
        )
        .map(([r, rest]) => ({ ...r, ...rest }));
    case "data_quality":
      return fc.record({ freshnessHours: fc.integer({ min: 1, max: 24 * 365 }) }, { requiredKeys: [] });
    default:
      return fc.constant({});
  }
}

/** Valid jobs: connectivity_test mostly (cheap on the warehouse), every other type sometimes. */
export function validJob(secrets: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const s = interestingString(secrets);
  const type = fc.oneof(
    { weight: 30, arbitrary: fc.constant("connectivity_test") },
    { weight: 2, arbitrary: fc.constant("sales") },
    { weight: 1, arbitrary: fc.constant("customer_analysis") },
    { weight: 1, arbitrary: fc.constant("product_performance") },
    { weight: 1, arbitrary: fc.constant("executive_dashboard") },
    { weight: 1, arbitrary: fc.constant("data_quality") },
  );
  return type.chain((reportType) =>
    fc
      .record(
        {
          schemaVersion: fc.constant(SCHEMA_VERSION),
          format: fc.constantFrom(...REPORT_FORMATS),
          correlationId: s,
          delivery: fc.record(
            {
              notifyOn: fc.constantFrom("always", "failure", "never"),
              skipEmpty: fc.boolean(),
              webhookUrl: fc.constantFrom("https://example.com/hook", "http://127.0.0.1:9/hook"),
            },
            { requiredKeys: [] },
          ),
          parameters: parametersFor(reportType, s),
          requestedAt,
          requestedBy: s,
        },
        { requiredKeys: ["requestedAt", "requestedBy", "parameters"] },
      )
      .map((rest) => {
        // connectivity_test and data_quality may omit parameters entirely.
        const job: Record<string, unknown> = { jobId: JOB_ID, reportType, ...rest };
        if (
          Object.keys(rest.parameters).length === 0 &&
          reportType === "connectivity_test" &&
          rest.requestedBy.length % 2
        )
          delete job.parameters;
        return job;
      }),
  );
}

type Mutation = { field: string; apply: (job: Record<string, unknown>) => Record<string, unknown> };
const DATED = ["sales", "customer_analysis", "product_performance", "executive_dashboard"];
const LIMITED = ["sales", "customer_analysis", "product_performance"];

const set =
  (field: string, value: unknown): Mutation["apply"] =>
  (job) => ({ ...job, [field]: value });
const setParam =
  (field: string, value: unknown): Mutation["apply"] =>
  (job) => ({ ...job, parameters: { ...(job.parameters as object), [field]: value } });
const without =
  (field: string): Mutation["apply"] =>
  (job) => {
    const { [field]: _, ...rest } = job;
    return rest;
  };
const PARAMETER_NAMES = [
  "from",
  "to",
  "granularity",
  "regions",
  "categories",
  "limit",
  "tiers",
  "freshnessHours",
];
const isJobIdLike = (s: string) => /^[A-Za-z0-9_-]{1,128}$/.test(s);

/** Exactly one thing wrong with an otherwise valid job; `field` is what the error must name. */
function mutation(job: Record<string, unknown>, secrets: readonly string[]): fc.Arbitrary<Mutation> {
  const s = interestingString(secrets);
  const type = job.reportType as string;
  const m = (field: string, apply: fc.Arbitrary<Mutation["apply"]>) =>
    apply.map((a) => ({ field, apply: a }));
  const options: fc.Arbitrary<Mutation>[] = [
    m(
      "jobId",
      fc
        .oneof(
          fc.constantFrom<unknown>(
            "",
            "../x",
            "a/b",
            "x".repeat(129),
            "job\u0000",
            "job\n1",
            "jöb",
            "a b",
            42,
            null,
            ["x"],
          ),
          s.filter((x) => !isJobIdLike(x)),
        )
        .map((v) => set("jobId", v)),
    ),
    m("jobId", fc.constant(without("jobId"))),
    m(
      "reportType",
      fc
        .oneof(
          fc.constantFrom<unknown>("sale", "SALES", "sales ", "", "connectivity-test", 7, null, {
            sales: true,
          }),
          s.filter((x) => !(REPORT_TYPES as readonly string[]).includes(x)),
        )
        .map((v) => set("reportType", v)),
    ),
    m("reportType", fc.constant(without("reportType"))),
    m(
      "format",
      fc
        .oneof(
          fc.constantFrom<unknown>("pdf", "JSON", 1, null),
          s.filter((x) => !(REPORT_FORMATS as readonly string[]).includes(x)),
        )
        .map((v) => set("format", v)),
    ),
    m(
      "requestedAt",
      fc
        .oneof(
          fc.constantFrom<unknown>(
            "yesterday",
            "2025-13-01T00:00:00Z",
            "2025-08-03",
            "2025-08-03 10:00:00",
            1754236000,
            null,
          ),
          s,
        )
        .map((v) => set("requestedAt", v)),
    ),
    m(
      "requestedBy",
      fc
        .constantFrom<unknown>("", "x".repeat(257), "é".repeat(257), 7, null, false)
        .map((v) => set("requestedBy", v)),
    ),
    m(
      "correlationId",
      fc.constantFrom<unknown>("", "y".repeat(257), 0, {}, []).map((v) => set("correlationId", v)),
    ),
    m(
      "schemaVersion",
      fc
        .oneof(
          fc.constantFrom<unknown>("2", "0", 1, ""),
          s.filter((x) => x !== SCHEMA_VERSION),
        )
        .map((v) => set("schemaVersion", v)),
    ),
    m(
      "delivery.webhookUrl",
      fc
        .constantFrom(
          "http://example.com/hook",
          "not a url",
          "javascript:alert(1)",
          "file:///etc/passwd",
          "ftp://x/y",
        )
        .map((u) => set("delivery", { webhookUrl: u })),
    ),
    m(
      "delivery.notifyOn",
      fc.constantFrom("sometimes", "", "ALWAYS").map((v) => set("delivery", { notifyOn: v })),
    ),
    m(
      "delivery",
      s
        .filter((k) => !["webhookUrl", "notifyOn", "skipEmpty"].includes(k))
        .map((k) => set("delivery", { [k]: true })),
    ),
    m(
      "(root)",
      fc
        .oneof(fc.constantFrom("extra", "__proto__", "constructor", "parameters ", "JobId"), s)
        .filter(
          (k) =>
            ![
              "jobId",
              "reportType",
              "parameters",
              "format",
              "requestedAt",
              "requestedBy",
              "correlationId",
              "delivery",
              "schemaVersion",
            ].includes(k),
        )
        .map((k) => (job: Record<string, unknown>) => {
          const out = { ...job };
          Object.defineProperty(out, k, {
            value: "surplus",
            enumerable: true,
            writable: true,
            configurable: true,
          });
          return out;
        }),
    ),
    m(
      "parameters",
      s.map((k) => setParam(PARAMETER_NAMES.includes(k) ? `${k}_` : k, 1)),
    ),
  ];
  if (DATED.includes(type)) {
    options.push(
      m(
        "parameters.to",
        fc.constant((job: Record<string, unknown>) => ({
          ...job,
          parameters: { ...(job.parameters as object), from: "2025-07-31", to: "2025-07-01" },
        })),
      ),
      m(
        "parameters.to",
        // longer than any report's DATE_RANGE_LIMIT_DAYS (the longest is 1827 days)
        fc.constant((job: Record<string, unknown>) => ({
          ...job,
          parameters: { ...(job.parameters as object), from: "2019-01-01", to: "2025-07-31" },
        })),
      ),
      m(
        "parameters.from",
        fc
          .oneof(fc.constantFrom<unknown>("2025-02-30", "2025-1-1", "20250101", 20250101, null, ""), s)
          .map((v) => setParam("from", v)),
      ),
      m(
        "parameters.to",
        fc.constantFrom<unknown>("2025-04-31", "tomorrow", true).map((v) => setParam("to", v)),
      ),
      m(
        "parameters.from",
        fc.constant(((job: Record<string, unknown>) => {
          const { from: _, ...p } = job.parameters as Record<string, unknown>;
          return { ...job, parameters: p };
        }) as Mutation["apply"]),
      ),
      m(
        "parameters",
        fc.constantFrom<unknown>(null, [], "2025-07-01..2025-07-31", 5).map((v) => set("parameters", v)),
      ),
    );
  }
  if (LIMITED.includes(type)) {
    options.push(
      m(
        "parameters.limit",
        fc.constantFrom<unknown>(0, -1, 10_001, 1.5, "100", 1e308).map((v) => setParam("limit", v)),
      ),
    );
  }
  if (type === "sales") {
    options.push(
      m(
        "parameters.granularity",
        fc
          .oneof(
            fc.constantFrom("hour", "DAY"),
            s.filter((x) => !["day", "week", "month"].includes(x)),
          )
          .map((v) => setParam("granularity", v)),
      ),
      m(
        "parameters.regions",
        fc.constant(
          setParam(
            "regions",
            Array.from({ length: 51 }, (_, i) => `r${i}`),
          ),
        ),
      ),
      m(
        "parameters.regions",
        fc.constantFrom<unknown>("", "x".repeat(101), 3, null).map((v) => setParam("regions", [v])),
      ),
      m(
        "parameters.regions",
        s.map((v) => setParam("regions", v)),
      ),
    );
  }
  if (type === "customer_analysis") {
    options.push(
      m(
        "parameters.tiers",
        fc
          .oneof(
            fc.constantFrom<unknown>([], ["Gold"], "Premium"),
            s.map((v) => [v]),
          )
          .map((v) => setParam("tiers", v)),
      ),
    );
  }
  if (type === "data_quality") {
    options.push(
      m(
        "parameters.freshnessHours",
        fc.constantFrom<unknown>(0, 24 * 365 + 1, 2.5, "24").map((v) => setParam("freshnessHours", v)),
      ),
    );
  }
  return fc.oneof(...options);
}

/** A valid job with exactly one field wrong. */
export function invalidJob(secrets: readonly string[]): fc.Arbitrary<Payload> {
  return validJob(secrets)
    .chain((job) => mutation(job, secrets).map((mu) => ({ job, mu })))
    .map(({ job, mu }) => ({ kind: `invalid:${mu.field}`, field: mu.field, value: mu.apply(job) }));
}

/** JSON that is not an object. */
export function nonObject(): fc.Arbitrary<Payload> {
  return fc
    .constantFrom<unknown>(null, true, 0, -1.5, "job", [], [{ jobId: "a" }], [null])
    .map((value) => ({ kind: "non-object", field: "(root)", value }));
}

/** Text that is not JSON at all (SQS refuses some of it: invalid XML characters, empty). */
export function notJson(secrets: readonly string[]): fc.Arbitrary<Payload> {
  const s = interestingString(secrets);
  return fc
    .oneof(
      fc.constantFrom(
        "",
        " ",
        "{",
        "}",
        '{"jobId":',
        "undefined",
        "NaN",
        "<job/>",
        "jobId=x&reportType=sales",
        "{'jobId':'x'}",
      ),
      s.filter((x) => {
        try {
          JSON.parse(x);
          return false;
        } catch {
          return true;
        }
      }),
      // a valid job with a BOM in front, or cut short
      validJob(secrets).map((j) => `\ufeff${JSON.stringify({ ...j, jobId: "BOM_1" })}`),
      fc.tuple(validJob(secrets), fc.nat()).map(([j, n]) => {
        const text = JSON.stringify({ ...j, jobId: "CUT_1" });
        return text.slice(0, 1 + (n % (text.length - 1)));
      }),
    )
    .map((raw) => ({ kind: "not-json", field: "(body)", raw }));
}

/** Bodies from 250 KB to 270 KB (around the 256 KB limits), plus an occasional one over SQS's 1 MiB (LocalStack, like AWS since 2025, takes up to 1 MiB). */
export function huge(secrets: readonly string[]): fc.Arbitrary<Payload> {
  const size = fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: 250_000, max: 270_000 }) },
    { weight: 1, arbitrary: fc.constant(1_100_000) },
  );
  const filler = fc.constantFrom("x", "é", "😀", "\u200b", "'; DROP TABLE x; --");
  const fill = (unit: string, bytes: number) =>
    unit.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(unit))));
  return fc.oneof(
    fc.tuple(validJob(secrets), size, filler).map(([job, n, unit]) => {
      const base = Buffer.byteLength(JSON.stringify(job)) + 20;
      return { kind: "huge:extra-field", field: "(root)", value: { ...job, padding: fill(unit, n - base) } };
    }),
    fc.tuple(validJob(secrets), size, filler).map(([job, n, unit]) => {
      const base = Buffer.byteLength(JSON.stringify(job));
      return {
        kind: "huge:requestedBy",
        field: "requestedBy",
        value: { ...job, requestedBy: fill(unit, n - base) },
      };
    }),
    fc
      .tuple(size, filler)
      .map(([n, unit]) => ({ kind: "huge:not-json", field: "(body)", raw: fill(unit, n) })),
    fc.tuple(validJob(secrets), size).map(([job, n]) => {
      const count = Math.floor((n - 300) / 6);
      return {
        kind: "huge:regions",
        field: "parameters.regions",
        value: {
          ...job,
          reportType: "sales",
          parameters: {
            from: "2025-07-01",
            to: "2025-07-31",
            regions: Array.from({ length: count }, () => "EU"),
          },
        },
      };
    }),
  );
}

/** The mix the suite sends. */
export function payload(secrets: readonly string[]): fc.Arbitrary<Payload> {
  return fc.oneof(
    {
      weight: 36,
      arbitrary: validJob(secrets).map((value) => ({ kind: `valid:${String(value.reportType)}`, value })),
    },
    { weight: 44, arbitrary: invalidJob(secrets) },
    { weight: 5, arbitrary: nonObject() },
    { weight: 12, arbitrary: notJson(secrets) },
    { weight: 3, arbitrary: huge(secrets) },
  );
}
