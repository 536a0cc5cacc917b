import { describe, expect, it } from "vitest";
import { isSampled, samplingKey, samplingPoint } from "@/lib/routing/sampling";
import { sampleTrace } from "@/lib/traces/fixtures";

const KEYS = 100_000;
const points = Array.from({ length: KEYS }, (_, i) => samplingPoint(`session:${i}`));

describe("samplingPoint", () => {
  it("is deterministic and in [0, 1)", () => {
    expect(samplingPoint("session:abc")).toBe(samplingPoint("session:abc"));
    expect(samplingPoint("session:abc")).not.toBe(samplingPoint("session:abd"));
    expect(points.filter((p) => !(p >= 0 && p < 1))).toEqual([]);
  });

  it("takes the first 52 bits of sha256 (known vector)", () => {
    // sha256("abc") = ba7816bf8f01cfea… → 0xba7816bf8f01c / 2^52
    expect(samplingPoint("abc")).toBe(0xba7816bf8f01c / 2 ** 52);
  });

  it.each([1, 0.5, 0.25, 0.1, 0.05, 0.01, 0.001])("samples rate %s within ±1 % over 100k keys", (rate) => {
    const observed = points.filter((p) => isSampled(p, rate)).length / KEYS;
    // ±1 percentage point, as specified; and, tighter, within 4 standard deviations of a fair
    // binomial, so a biased hash could not hide behind the loose bound at small rates.
    expect(Math.abs(observed - rate)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(observed - rate)).toBeLessThanOrEqual(4 * Math.sqrt((rate * (1 - rate)) / KEYS));
  });

  it("nests: every key sampled at a lower rate is sampled at every higher rate", () => {
    const rates = [0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1];
    const violations = points.filter((p) => rates.some((r, i) => i > 0 && isSampled(p, rates[i - 1]) && !isSampled(p, r)));
    expect(violations).toEqual([]);
    // And the nesting is not vacuous: each rate admits strictly more keys than the one below.
    const counts = rates.map((r) => points.filter((p) => isSampled(p, r)).length);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1]);
  });

  it("includes every key at rate 1", () => {
    expect(points.filter((p) => !isSampled(p, 1))).toEqual([]);
  });
});

describe("samplingKey", () => {
  it("uses the session, else the caller's trace id, else the generation id", () => {
    const t = sampleTrace({ id: "gen-1", session_id: "s1", trace: { ...sampleTrace().trace, trace_id: "t1" } });
    expect(samplingKey(t)).toBe("session:s1");
    expect(samplingKey({ ...t, session_id: null })).toBe("trace:t1");
    expect(samplingKey({ ...t, session_id: null, trace: { ...t.trace, trace_id: null } })).toBe("generation:gen-1");
  });

  it("gives every trace of a session the same decision at every rate", () => {
    const ofSession = (id: string, sessionId: string) =>
      samplingPoint(samplingKey(sampleTrace({ id, session_id: sessionId, trace: { ...sampleTrace().trace, trace_id: `t-${id}` } })));
    for (let s = 0; s < 200; s++) {
      const first = ofSession("gen-0", `sess-${s}`);
      for (let g = 1; g < 5; g++) expect(ofSession(`gen-${g}`, `sess-${s}`)).toBe(first);
    }
  });
});
