import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { UnexpectedError, ValidationError } from "#events/errors.js";
import { parseReportJob, type ReportJobInput } from "#events/report-job.schema.js";
import { SnowflakeRequestError } from "#services/intake/errors.js";
import {
  handleSnowflakeSubmit,
  MAX_VARIANT_DEPTH,
  type RowError,
  SNOWFLAKE_REQUESTED_BY,
} from "#services/intake/snowflake-external-function.js";

const NOW = new Date("2025-08-03T15:46:08.000Z");
const ID_KEY = "test-intake-job-id-key-0123456789abcdef";
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"));

/** A submit that records what it was given and answers like submitReportJob (the job's own id). */
function recordingSubmit() {
  const submitted: ReportJobInput[] = [];
  const submit = async (job: ReportJobInput) => {
    submitted.push(job);
    return { jobId: job.jobId };
  };
  return { submitted, submit };
}

const errorOf = (value: unknown): RowError["error"] => {
  expect(value).toHaveProperty("error");
  return (value as RowError).error;
};

describe("handleSnowflakeSubmit with a real Snowflake batch", () => {
  it("answers every row with its own row number, in request order", async () => {
    // Prepare
    const { submit } = recordingSubmit();
    // Act
    const out = await handleSnowflakeSubmit(fixture("snowflake-batch.json"), submit, {
      idKey: ID_KEY,
      now: () => NOW,
    });
    // Assess
    expect(out.data.map(([n]) => n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("queues a valid job per good row, requested by snowflake, with defaults applied by the schema", async () => {
    const { submitted, submit } = recordingSubmit();
    const out = await handleSnowflakeSubmit(fixture("snowflake-batch.json"), submit, {
      idKey: ID_KEY,
      now: () => NOW,
    });

    const ids = out.data.filter(([, r]) => typeof r === "string").map(([n, r]) => [n, r]);
    expect(ids.map(([n]) => n)).toEqual([0, 1, 2, 5, 7]);
    for (const job of submitted) {
      const parsed = parseReportJob(job);
      expect(parsed.requestedBy).toBe(SNOWFLAKE_REQUESTED_BY);
      expect(parsed.requestedAt).toBe("2025-08-03T00:00:00.000Z"); // the day: a retry that day is the same job
    }
    const dq = submitted.find((j) => j.reportType === "data_quality");
    expect(parseReportJob(dq).parameters).toEqual({ freshnessHours: 720 });
  });

  it("answers a bad row with an error naming the field, without failing the other rows", async () => {
    const { submit } = recordingSubmit();
    const out = await handleSnowflakeSubmit(fixture("snowflake-batch.json"), submit, {
      idKey: ID_KEY,
      now: () => NOW,
    });
    const byRow = new Map(out.data);

    expect(errorOf(byRow.get(3))).toMatchObject({ code: "VALIDATION_FAILED", fields: ["reportType"] });
    expect(errorOf(byRow.get(4)).fields).toEqual(["parameters.to"]);
    expect(errorOf(byRow.get(4)).message).toContain("parameters.to");
    expect(errorOf(byRow.get(6)).fields).toEqual(["parameters.limit"]);
  });

  it("uses a provided jobId, format and correlationId, and accepts params as JSON text", async () => {
    const { submitted, submit } = recordingSubmit();
    const out = await handleSnowflakeSubmit(fixture("snowflake-batch.json"), submit, {
      idKey: ID_KEY,
      now: () => NOW,
    });

    expect(new Map(out.data).get(5)).toBe("SF_PING_001");
    expect(submitted.find((j) => j.jobId === "SF_PING_001")).toMatchObject({
      reportType: "connectivity_test",
      format: "ndjson",
      correlationId: "task-run-42",
      parameters: {},
    });
  });

  it("derives the same jobId for the same content (key order aside) and submits it once", async () => {
    const { submitted, submit } = recordingSubmit();
    const out = await handleSnowflakeSubmit(fixture("snowflake-batch.json"), submit, {
      idKey: ID_KEY,
      now: () => NOW,
    });
    const byRow = new Map(out.data);

    expect(byRow.get(0)).toMatch(/^sf-sales-[0-9a-f]{32}$/);
    expect(byRow.get(7)).toBe(byRow.get(0));
    expect(submitted.filter((j) => j.jobId === byRow.get(0))).toHaveLength(1);
  });

  it("gives a Snowflake retry of the batch the same jobIds that day, and new ones the next day", async () => {
    const body = { data: [[0, "sales", { from: "2025-07-01", to: "2025-07-31" }]] };
    const first = await handleSnowflakeSubmit(body, recordingSubmit().submit, {
      idKey: ID_KEY,
      now: () => NOW,
    });
    const retry = await handleSnowflakeSubmit(body, recordingSubmit().submit, {
      idKey: ID_KEY,
      now: () => new Date("2025-08-03T23:59:00Z"),
    });
    const nextDay = await handleSnowflakeSubmit(body, recordingSubmit().submit, {
      idKey: ID_KEY,
      now: () => new Date("2025-08-04T00:01:00Z"),
    });
    expect(retry.data).toEqual(first.data);
    expect(nextDay.data[0]?.[1]).not.toBe(first.data[0]?.[1]);
  });
});

describe("handleSnowflakeSubmit with a malformed envelope", () => {
  it.each([
    ["not an object", '[[0, "sales", {}]]'],
    ["no data", {}],
    ["data not an array", { data: { 0: "sales" } }],
    ["a row that is not an array", { data: ["sales"] }],
  ])("rejects %s as a 400 request error", async (_what, body) => {
    const { submitted, submit } = recordingSubmit();
    const attempt = handleSnowflakeSubmit(body, submit);
    await expect(attempt).rejects.toBeInstanceOf(SnowflakeRequestError);
    await expect(attempt).rejects.toMatchObject({ status: 400, retryable: false });
    expect(submitted).toEqual([]);
  });

  it("rejects a missing or duplicate row number naming the row", async () => {
    await expect(
      handleSnowflakeSubmit({ data: [["sales", {}]] }, recordingSubmit().submit),
    ).rejects.toMatchObject({
      fields: ["data.0.0"],
    });
    await expect(
      handleSnowflakeSubmit(
        {
          data: [
            [0, "connectivity_test", {}],
            [0, "connectivity_test", {}],
          ],
        },
        recordingSubmit().submit,
      ),
    ).rejects.toThrow(/data\.1\.0: duplicate row number 0/);
  });

  it("answers an empty batch with an empty batch", async () => {
    expect(await handleSnowflakeSubmit({ data: [] }, recordingSubmit().submit)).toEqual({ data: [] });
  });
});

describe("handleSnowflakeSubmit when submitting fails", () => {
  const body = {
    data: [
      [0, "connectivity_test", {}],
      [1, "data_quality", { freshnessHours: 12 }],
    ],
  };

  it("fails the whole batch on a retryable error, so Snowflake retries it", async () => {
    const submit = async () => {
      throw new UnexpectedError("SQS unavailable");
    };
    await expect(handleSnowflakeSubmit(body, submit, { idKey: ID_KEY })).rejects.toThrow("SQS unavailable");
  });

  it("answers the row with the error when the submit rejects the job", async () => {
    const submit = async (job: ReportJobInput) => {
      if (job.reportType === "data_quality")
        throw new ValidationError("parameters.freshnessHours: refused", {
          fields: ["parameters.freshnessHours"],
        });
      return { jobId: job.jobId };
    };
    const out = await handleSnowflakeSubmit(body, submit, { idKey: ID_KEY, now: () => NOW });
    expect(typeof out.data[0]?.[1]).toBe("string");
    expect(errorOf(out.data[1]?.[1]).fields).toEqual(["parameters.freshnessHours"]);
  });
});

describe("handleSnowflakeSubmit with deeply nested arguments", () => {
  const deepText = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
  const deepObject = (levels: number) => {
    let value: unknown = {};
    for (let i = 1; i < levels; i += 1) value = { a: value };
    return value;
  };

  it.each([
    ["parameters as JSON text (a VARCHAR argument)", deepText(120_000)],
    ["parameters as a value", deepObject(120_000)],
  ])(
    "answers the row with an error naming parameters for %s 120,000 deep, and the other rows as usual",
    async (_what, parameters) => {
      // Prepare
      const { submitted, submit } = recordingSubmit();
      const body = {
        data: [
          [0, "connectivity_test", parameters],
          [1, "connectivity_test", {}],
        ],
      };
      // Act
      const out = await handleSnowflakeSubmit(body, submit, { idKey: ID_KEY, now: () => NOW });
      // Assess
      expect(errorOf(out.data[0]?.[1])).toMatchObject({ code: "VALIDATION_FAILED", fields: ["parameters"] });
      expect(errorOf(out.data[0]?.[1]).message).toContain(String(MAX_VARIANT_DEPTH));
      expect(typeof out.data[1]?.[1]).toBe("string");
      expect(submitted).toHaveLength(1);
    },
  );

  it("caps parameters and options at MAX_VARIANT_DEPTH levels: one more is a depth error, the limit is left to the schema", async () => {
    // Prepare: no report type takes nested parameters, so the schema's answer shows the cap let a value by
    const { submit } = recordingSubmit();
    const body = {
      data: [
        [0, "connectivity_test", deepObject(MAX_VARIANT_DEPTH)],
        [1, "connectivity_test", deepObject(MAX_VARIANT_DEPTH + 1)],
        [2, "connectivity_test", {}, deepObject(MAX_VARIANT_DEPTH + 1)],
      ],
    };
    // Act
    const out = await handleSnowflakeSubmit(body, submit, { idKey: ID_KEY, now: () => NOW });
    // Assess
    const [atLimit, past, pastInOptions] = out.data.map(([, r]) => errorOf(r));
    expect(atLimit?.message).toMatch(/Unrecognized key: "a"/);
    expect(past).toMatchObject({
      fields: ["parameters"],
      message: expect.stringContaining(`deeper than ${MAX_VARIANT_DEPTH}`),
    });
    expect(pastInOptions).toMatchObject({
      fields: ["options"],
      message: expect.stringContaining(`deeper than ${MAX_VARIANT_DEPTH}`),
    });
  });
});

describe("derived job ids", () => {
  const body = { data: [[0, "sales", { from: "2025-07-01", to: "2025-07-31" }]] };

  it("are keyed with the intake's secret: another key gives other ids, so they cannot be predicted", async () => {
    const mine = await handleSnowflakeSubmit(body, recordingSubmit().submit, {
      idKey: ID_KEY,
      now: () => NOW,
    });
    const other = await handleSnowflakeSubmit(body, recordingSubmit().submit, {
      idKey: "another-key-of-at-least-32-characters!!",
      now: () => NOW,
    });
    expect(mine.data[0]?.[1]).toMatch(/^sf-sales-[0-9a-f]{32}$/);
    expect(other.data[0]?.[1]).not.toBe(mine.data[0]?.[1]);
  });

  it("are refused without a key (loud misconfiguration, nothing submitted)", async () => {
    const { submitted, submit } = recordingSubmit();
    await expect(handleSnowflakeSubmit(body, submit, { now: () => NOW })).rejects.toThrow(
      /INTAKE_JOB_ID_KEY/,
    );
    expect(submitted).toEqual([]);
  });
});
