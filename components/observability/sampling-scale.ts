// The sampling slider's scale. Rates run from 0.0001 (0.01 %) to 1 (100 %) — four orders of
// magnitude — so a linear slider would spend 99 % of its travel above 1 %. The track is split into
// four equal quarters between labelled stops (0.01 %, 1 %, 10 %, 50 %, 100 %), logarithmic within
// each, so the stops sit evenly under the track and the common rates get most of its travel. The
// rate it produces is rounded to two significant digits so it reads as a plain percentage.
export const MIN_SAMPLING_RATE = 0.0001;
export const MAX_SAMPLING_RATE = 1;
/** The labelled stops under the slider (clicking one sets that rate), one per quarter of the track. */
export const SAMPLING_STOPS = [0.01, 0.1, 0.5, 1] as const;
/** Slider positions 0…SLIDER_STEPS (integers, so arrow keys move one step). */
export const SLIDER_STEPS = 400;

const ANCHORS = [MIN_SAMPLING_RATE, ...SAMPLING_STOPS];
const SEGMENT = SLIDER_STEPS / (ANCHORS.length - 1);

export function clampRate(rate: number): number {
  if (!Number.isFinite(rate)) return MAX_SAMPLING_RATE;
  return Math.min(MAX_SAMPLING_RATE, Math.max(MIN_SAMPLING_RATE, rate));
}

/** Rounds to two significant digits (0.012345 → 0.012), within the allowed range. */
export function roundRate(rate: number): number {
  return clampRate(Number(clampRate(rate).toPrecision(2)));
}

export function rateToPosition(rate: number): number {
  const r = clampRate(rate);
  const i = Math.max(0, ANCHORS.findIndex((anchor, k) => k < ANCHORS.length - 1 && r <= ANCHORS[k + 1]));
  const fraction = Math.log(r / ANCHORS[i]) / Math.log(ANCHORS[i + 1] / ANCHORS[i]);
  return Math.round((i + fraction) * SEGMENT);
}

export function positionToRate(position: number): number {
  const p = Math.min(SLIDER_STEPS, Math.max(0, position));
  const i = Math.min(ANCHORS.length - 2, Math.floor(p / SEGMENT));
  const fraction = (p - i * SEGMENT) / SEGMENT;
  return roundRate(ANCHORS[i] * (ANCHORS[i + 1] / ANCHORS[i]) ** fraction);
}

/** 1 → "100%", 0.05 → "5%", 0.0025 → "0.25%", 0.0001 → "0.01%". */
export function formatRate(rate: number): string {
  return `${Number((rate * 100).toPrecision(2))}%`;
}

/**
 * The percentage typed into the numeric box → a rate, or an error message. "5" and "5%" mean 5 %.
 * Values outside 0.01–100 % are refused rather than clamped: a typo should not silently become 100 %.
 */
export function parsePercent(input: string): { rate: number } | { error: string } {
  const text = input.trim().replace(/%$/, "").trim();
  if (text === "") return { error: "Enter a percentage" };
  const percent = Number(text);
  if (!Number.isFinite(percent)) return { error: "Enter a number" };
  const rate = percent / 100;
  if (rate < MIN_SAMPLING_RATE || rate > MAX_SAMPLING_RATE) return { error: "Between 0.01% and 100%" };
  return { rate: Number(rate.toPrecision(4)) };
}
