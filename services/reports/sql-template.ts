/**
 * Report SQL files name their binds (`:from`, `:regions`) so they read well and cannot get out of step with
 * the code; this turns them into the positional `?` binds both Snowflake and DuckDB accept. Only
 * placeholders are generated, never values: a list bind becomes `?, ?, …` (one per element, or `NULL` when
 * empty, so `x IN (NULL)` matches nothing) and every value travels as a bind.
 *
 * @example
 * renderSql("SELECT * FROM t WHERE d >= CAST(:from AS DATE) AND r IN (:regions)", { from: "2025-07-01", regions: ["EU", "US"] })
 * // { sql: "SELECT * FROM t WHERE d >= CAST(? AS DATE) AND r IN (?, ?)", binds: ["2025-07-01", "EU", "US"] }
 */

export type BindValue = string | number | boolean | null;
export type NamedBinds = Readonly<Record<string, BindValue | readonly BindValue[]>>;

export interface RenderedSql {
  sql: string;
  binds: BindValue[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

export function renderSql(template: string, values: NamedBinds): RenderedSql {
  let sql = "";
  const binds: BindValue[] = [];
  let i = 0;
  const n = template.length;
  while (i < n) {
    const ch = template[i] as string;
    const next = template[i + 1];
    if (ch === "'" || ch === '"') {
      // quoted literal or identifier: copied verbatim ('' / "" are escaped quotes)
      let j = i + 1;
      while (j < n) {
        if (template[j] === ch) {
          if (template[j + 1] === ch) j += 2;
          else break;
        } else j += 1;
      }
      sql += template.slice(i, j + 1);
      i = j + 1;
    } else if (ch === "-" && next === "-") {
      const end = template.indexOf("\n", i);
      const stop = end === -1 ? n : end;
      sql += template.slice(i, stop);
      i = stop;
    } else if (ch === "/" && next === "*") {
      const end = template.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      sql += template.slice(i, stop);
      i = stop;
    } else if (ch === ":" && next === ":") {
      sql += "::";
      i += 2;
    } else if (ch === ":") {
      NAME.lastIndex = i + 1;
      const match = NAME.exec(template);
      if (match === null) {
        sql += ch;
        i += 1;
        continue;
      }
      const name = match[0];
      if (!Object.hasOwn(values, name)) throw new Error(`SQL bind :${name} has no value`);
      const value = values[name] as BindValue | readonly BindValue[];
      if (Array.isArray(value)) {
        if (value.length === 0) sql += "NULL";
        else {
          sql += value.map(() => "?").join(", ");
          binds.push(...(value as readonly BindValue[]));
        }
      } else {
        sql += "?";
        binds.push(value as BindValue);
      }
      i += 1 + name.length;
    } else {
      sql += ch;
      i += 1;
    }
  }
  return { sql: sql.trim().replace(/;\s*$/, ""), binds };
}
