import { describe, expect, it } from "vitest";
import { canonicalDecimal, exactNumber } from "../../exact-number.js";

describe("exactNumber", () => {
  it.each([
    ["262000.00", 262000],
    ["1234.56", 1234.56],
    ["-0.10", -0.1],
    ["0.0000001", 1e-7],
    ["9007199254740991", 9007199254740991],
    ["12345678901234567.89", "12345678901234567.89"],
    ["9007199254740993", "9007199254740993"],
    ["0.1000000000000000055511151231257827", "0.1000000000000000055511151231257827"],
    ["-00012.3400", -12.34],
  ])("%s -> %j", (text, expected) => {
    expect(exactNumber(text)).toEqual(expected);
  });

  it("is undefined for text that is no decimal", () => {
    for (const text of ["", "abc", "1.2.3", ".", "NaN", "Infinity"])
      expect(exactNumber(text)).toBeUndefined();
  });

  it("spells decimals canonically", () => {
    expect(canonicalDecimal("-0.00")).toBe("0");
    expect(canonicalDecimal("1e-7")).toBe("0.0000001");
    expect(canonicalDecimal("1.5E+3")).toBe("1500");
    expect(canonicalDecimal("+.50")).toBe("0.5");
  });
});
