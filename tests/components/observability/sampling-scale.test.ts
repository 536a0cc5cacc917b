import { describe, expect, it } from "vitest";
import {
  formatRate,
  parsePercent,
  positionToRate,
  rateToPosition,
  roundRate,
  SAMPLING_STOPS,
  SLIDER_STEPS,
} from "@/components/observability/sampling-scale";

describe("sampling slider scale", () => {
  it("spans 0.01 % to 100 % with the labelled stops 1 %, 10 %, 50 %, 100 % at each quarter of the track", () => {
    expect(positionToRate(0)).toBe(0.0001);
    expect(SAMPLING_STOPS).toEqual([0.01, 0.1, 0.5, 1]);
    SAMPLING_STOPS.forEach((stop, i) => {
      expect(positionToRate(((i + 1) * SLIDER_STEPS) / 4)).toBe(stop);
      expect(rateToPosition(stop)).toBe(((i + 1) * SLIDER_STEPS) / 4);
    });
    // Logarithmic within a quarter: 0.1 % halfway between 0.01 % and 1 %.
    expect(positionToRate(SLIDER_STEPS / 8)).toBe(0.001);
  });

  it("round-trips rates through positions (a saved rate puts the thumb where it was left)", () => {
    for (const rate of [0.0001, 0.0005, 0.003, 0.05, 0.25, 0.5, 1]) {
      expect(positionToRate(rateToPosition(rate))).toBeCloseTo(rate, 2);
      expect(Math.abs(positionToRate(rateToPosition(rate)) - rate) / rate).toBeLessThan(0.03);
    }
  });

  it("clamps out-of-range positions and rates instead of producing values the API refuses", () => {
    expect(positionToRate(-10)).toBe(0.0001);
    expect(positionToRate(SLIDER_STEPS + 10)).toBe(1);
    expect(rateToPosition(5)).toBe(SLIDER_STEPS);
    expect(rateToPosition(0)).toBe(0);
    expect(roundRate(Number.NaN)).toBe(1);
  });

  it("rounds slider rates to two significant digits", () => {
    expect(roundRate(0.012345)).toBe(0.012);
    expect(roundRate(0.4567)).toBe(0.46);
  });

  it("formats rates as short percentages", () => {
    expect(formatRate(1)).toBe("100%");
    expect(formatRate(0.05)).toBe("5%");
    expect(formatRate(0.0025)).toBe("0.25%");
    expect(formatRate(0.0001)).toBe("0.01%");
  });

  it("parses the typed percentage, refusing values outside 0.01–100 % rather than clamping them", () => {
    expect(parsePercent("5")).toEqual({ rate: 0.05 });
    expect(parsePercent(" 12.5 % ")).toEqual({ rate: 0.125 });
    expect(parsePercent("0.01")).toEqual({ rate: 0.0001 });
    expect(parsePercent("100")).toEqual({ rate: 1 });
    expect(parsePercent("150")).toEqual({ error: "Between 0.01% and 100%" });
    expect(parsePercent("0.001")).toEqual({ error: "Between 0.01% and 100%" });
    expect(parsePercent("abc")).toEqual({ error: "Enter a number" });
    expect(parsePercent("")).toEqual({ error: "Enter a percentage" });
  });
});
