import { describe, expect, it } from "vitest";
import { renderSql } from "../../sql-template.js";

describe("renderSql", () => {
  it("turns named binds into positional ones, in order, repeating as used", () => {
    const out = renderSql("SELECT :a, :b, :a FROM t WHERE x = :b;", { a: 1, b: "two" });
    expect(out).toEqual({ sql: "SELECT ?, ?, ? FROM t WHERE x = ?", binds: [1, "two", 1, "two"] });
  });

  it("expands lists into one placeholder per element and an empty list into NULL", () => {
    expect(renderSql("x IN (:xs)", { xs: ["a", "b", "c"] })).toEqual({
      sql: "x IN (?, ?, ?)",
      binds: ["a", "b", "c"],
    });
    expect(renderSql("x IN (:xs)", { xs: [] })).toEqual({ sql: "x IN (NULL)", binds: [] });
  });

  it("leaves quoted text, comments and :: casts alone", () => {
    const sql = "SELECT ':not' AS \"col:x\", y::INT -- :nope\n/* :nor */ FROM t WHERE z = :z";
    const out = renderSql(sql, { z: 1 });
    expect(out.sql).toBe("SELECT ':not' AS \"col:x\", y::INT -- :nope\n/* :nor */ FROM t WHERE z = ?");
    expect(out.binds).toEqual([1]);
  });

  it("never splices a value into the SQL text", () => {
    const hostile = "'; DROP TABLE x; --";
    const out = renderSql("SELECT * FROM t WHERE r IN (:r) AND s = :s", { r: [hostile], s: hostile });
    expect(out.sql).not.toContain("DROP");
    expect(out.binds).toEqual([hostile, hostile]);
  });

  it("fails on a bind without a value", () => {
    expect(() => renderSql("SELECT :missing", {})).toThrow(/:missing/);
  });
});
