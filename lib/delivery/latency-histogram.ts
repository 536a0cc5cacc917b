// Delivery latency as a histogram (DeliveryStat.latency, counters.ts): LATENCY_BINS_PER_DOUBLING
// bins per doubling of the latency from 1 ms, so histograms add up bin by bin across requests and
// hours, and a percentile read from one is within about 4.5 % of the exact value (the geometric
// middle of its bin).

const LATENCY_BINS_PER_DOUBLING = 8;
/** Bin 0: under 1 ms. The last bin holds everything from about 34 days. */
const LATENCY_BINS = 32 * LATENCY_BINS_PER_DOUBLING + 1;

export function latencyBin(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(LATENCY_BINS - 1, Math.floor(Math.log2(ms) * LATENCY_BINS_PER_DOUBLING) + 1);
}

/** Counts per bin of `latenciesMs`, without trailing empty bins (counts are added bin by bin, unequal lengths padded). */
export function latencyHistogram(latenciesMs: readonly number[]): number[] {
  const counts: number[] = [];
  for (const ms of latenciesMs) {
    const bin = latencyBin(ms);
    while (counts.length <= bin) counts.push(0);
    counts[bin]++;
  }
  return counts;
}

export function addHistograms(into: number[], more: readonly number[]): number[] {
  for (let i = 0; i < more.length; i++) into[i] = (into[i] ?? 0) + more[i];
  return into;
}

/** The q-quantile (0..1) of a histogram: the geometric middle of the bin holding it; null when empty. */
export function histogramQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((n, c) => n + c, 0);
  if (total === 0) return null;
  // The nearest rank, as percentile_disc: the smallest value with at least q of the values at or below it.
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let bin = 0; bin < counts.length; bin++) {
    seen += counts[bin];
    if (seen >= rank) return bin === 0 ? 0 : 2 ** ((bin - 0.5) / LATENCY_BINS_PER_DOUBLING);
  }
  return null;
}

