/**
 * Warehouse numbers in the report document, exact and the same on every engine: an integer or a decimal
 * becomes a JS number when that number is the warehouse's value exactly (integers within 2^53, decimals
 * whose shortest double spelling is the same decimal), else its canonical decimal string. Never a number
 * silently rounded on the way (what `Number()` on NUMBER(38,2) or a DuckDB DECIMAL did).
 *
 * @example
 * exactNumber("262000.00");              // 262000
 * exactNumber("1234.56");                // 1234.56
 * exactNumber("12345678901234567.89");   // "12345678901234567.89" (no double is that value)
 * exactNumber("9007199254740993");       // "9007199254740993"
 */
export function exactNumber(text: string): number | string | undefined {
  const canonical = canonicalDecimal(text);
  if (canonical === undefined) return undefined;
  const n = Number(canonical);
  if (!canonical.includes(".")) return Number.isSafeInteger(n) ? n : canonical;
  return Number.isFinite(n) && canonicalDecimal(String(n)) === canonical ? n : canonical;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** `-0012.3400` → `-12.34`, `1e-7` → `0.0000001`, `-0.00` → `0`; undefined when not a decimal. */
export function canonicalDecimal(text: string): string | undefined {
  const match = DECIMAL.exec(text.trim());
  if (match === null) return undefined;
  const [, sign = "", whole = "", fraction = "", exponent = "0"] = match;
  if (whole === "" && fraction === "") return undefined;
  let digits = `${whole}${fraction}`;
  let point = whole.length + Number(exponent);
  const leading = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(leading);
  point -= leading;
  digits = digits.replace(/0+$/, "");
  if (digits === "") return "0";
  const body =
    point <= 0
      ? `0.${"0".repeat(-point)}${digits}`
      : point >= digits.length
        ? `${digits}${"0".repeat(point - digits.length)}`
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign === "-" ? `-${body}` : body;
}

/**
 * Significant decimal digits that a double always spells back exactly (DBL_DIG): a decimal with at most
 * this many is a JS number under `exactNumber`, whatever its scale. A warehouse writing JSON itself uses it.
 */
export const DOUBLE_EXACT_DIGITS = 15;
